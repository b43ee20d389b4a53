"""Faults on the way back: lost and mangled acks, a frozen Run, garbled status reports, a
controller that resets itself mid-job, and start-up against a machine already running."""

from __future__ import annotations

import pytest

from zmfab.errors import DeviceError
from zmfab.serial.report import stopped
from zmfab.serial.streamer import Streamer, make_dialect
from zmfab.serial.transport import open_transport

GRBL = "sim://grbl?baud=115200"
MARLIN = "sim://marlin?baud=115200"


def _job_lines(run, h, job):
    """The emulator's executed lines without zmfab's own probes (M105)."""
    return [x for x in run.device.executed if x != "M105"]


# ----- 4: a lost or mangled ok ------------------------------------------------------------------
@pytest.mark.parametrize("fault", ["lostok", "badok"])
@pytest.mark.parametrize("bf", ["0", "1"])
def test_grbl_lost_ok_is_reconciled_never_resent(stream, h, fault, bf):
    job = h.laser_job(300)
    run = stream(f"{GRBL}&proc=0.004&bf={bf}&fault={fault}:100", job, timeout=10.0)
    assert run.error is None, run.error
    lost = run.kinds("ack-lost")
    assert len(lost) == 1 and [e.line for e in lost] == run.result.lost_acks
    assert run.device.executed == h.compact(job)  # nothing resent, nothing duplicated
    assert run.device.resets == 0  # no reset after the job already ran
    assert not [e for e in run.kinds("message") if "without a line" in str(e.data)]
    assert run.clock.now() < 5.0  # not after twice the 10 s timeout
    acked = [e.line for e in run.kinds("ack")] + run.result.lost_acks
    assert sorted(acked) == list(range(1, len(job) + 1))  # each line credited exactly once
    if bf == "1":  # Bf: shows GRBL read more than it answered: noticed as the job runs
        last_sent = run.kinds("sent")[-1].t
        assert lost[0].t < last_sent and 100 <= lost[0].line < len(job) - 50


@pytest.mark.parametrize("advok", ["0", "1"])
def test_marlin_lost_ok_is_reconciled_never_resent(stream, h, advok):
    job = h.marlin_job(120)
    run = stream(f"{MARLIN}&advok={advok}&fault=lostok:50", job, firmware="marlin",
                 timeout=10.0)
    assert run.error is None, run.error
    assert len(run.result.lost_acks) == 1
    assert _job_lines(run, h, job) == job  # every line exactly once: no G1 E doubled
    assert run.clock.now() < 10.0
    if advok == "1":  # ok N<line> names the line: credited by number, at once
        assert run.result.lost_acks == [50] and not run.kinds("probe")
        assert run.kinds("ack-lost")[0].t < run.kinds("sent")[-1].t
    else:  # a quiet link is probed (M105); its answer releases what was sent before it
        assert len(run.kinds("probe")) == 1


# ----- 5: a GRBL frozen in Run ------------------------------------------------------------------
def test_grbl_frozen_in_run_is_a_stall_not_a_wait_for_ever(stream, h):
    job = h.laser_job(300)
    run = stream(f"{GRBL}&motion=1&fault=freeze:120", job, timeout=30.0, stall=2.0)
    assert isinstance(run.error, DeviceError) and "stalled" in str(run.error)
    assert run.clock.now() < 15.0  # not the 30 s no-reply timeout: status reports kept coming
    assert not run.device.laser_on
    assert "reset" in [k for _, k in run.device.realtime]
    assert run.kinds("safe_stop")[0].data["sent"]


def test_a_long_move_is_not_a_stall(stream):
    job = ["G21", "G90", "M4 S0", "G1 X100 F300 S500", "G1 X0", "M5"]  # 20 s a move
    run = stream(f"{GRBL}&motion=1", job, timeout=30.0, stall=2.0)
    assert run.error is None


# ----- 6: a garbled status report --------------------------------------------------------------
def test_garbled_status_report_is_logged_and_skipped(stream, h):
    job = h.laser_job(300)
    run = stream(f"{GRBL}&motion=1&proc=0.002&fault=badstatus:3", job)
    assert run.error is None, run.error
    bad = run.kinds("unparsed")
    assert len(bad) == 1 and bad[0].text.startswith("<") and ".," in bad[0].text
    assert run.device.executed == h.compact(job)


def test_reply_parser_never_raises_on_noise():
    d = make_dialect("grbl")
    for raw in ["<Run|MPos:2.128,14.00.,0.000|FS:1200,650>", "<Run|MPos:1,2>", "<|>", "<Idle",
                "<Idle|MPos:a,b,c|Bf:x,1>", "<Run|MPos:1,2,3|Bf:15>"]:
        assert d.classify(raw).kind == "unparsed", raw
    good = d.classify("<Run|MPos:1.000,2.000,3.000|Bf:12,100|FS:1200,650>")
    assert good.kind == "status" and good.data["bf"] == (12, 100) and good.data["pos"] == [1, 2, 3]


# ----- 7: a self-reset names the first lost line -----------------------------------------------
def test_grbl_self_reset_names_the_first_lost_line(stream, h):
    job = h.laser_job(300)
    run = stream(f"{GRBL}&motion=1&bf=1&fault=reset:150", job)
    assert isinstance(run.error, DeviceError)
    dev = run.device
    first_lost = dev.done + 1  # executed[i] is job line i + 1 here (no preamble)
    res = run.streamer.result
    # what ran after the last status report is not known: never past the truth, close to it
    assert first_lost - 5 <= res.first_unknown <= first_lost
    assert res.last_done == res.first_unknown - 1
    assert str(run.error).startswith(f"line {res.first_unknown}: ")
    assert f"--from-line {res.first_unknown}" in stopped(res)
    assert dev.executed[: dev.done] == h.compact(job)[: dev.done]


def test_without_bf_the_first_unknown_line_is_never_past_the_first_lost(stream, h):
    job = h.laser_job(300)
    run = stream(f"{GRBL}&motion=1&fault=reset:150", job)
    assert isinstance(run.error, DeviceError)
    assert run.streamer.result.first_unknown <= run.device.done + 1  # never optimistic


# ----- 8: start-up against a running machine ----------------------------------------------------
@pytest.mark.parametrize(("url", "firmware"), [(GRBL, "grbl"), (MARLIN, "marlin")])
def test_a_running_machine_is_probed_not_waited_for(h, url, firmware):
    tr, clock = open_transport(url)
    while tr.read_line(0.05) is not None:  # the banner went out long ago, to someone else
        pass
    t0 = clock.now()
    events = []
    job = h.laser_job(10) if firmware == "grbl" else h.marlin_job(10)
    Streamer(tr, dialect=make_dialect(firmware), clock=clock, on_event=events.append).run(job)
    first_sent = next(e.t for e in events if e.kind == "sent")
    assert first_sent - t0 < 0.5
    if firmware == "grbl":
        assert tr.device.resets == 0


def test_safe_stop_on_an_instant_link_lets_time_pass(stream, h):
    """No baud rate: replies take no time, so the safe stop must pace its polls (it spun)."""
    run = stream("sim://grbl?motion=1&fault=freeze:30", h.laser_job(100), stall=1.0)
    assert isinstance(run.error, DeviceError) and "stalled" in str(run.error)
    assert run.kinds("safe_stop")[0].text == "feed hold + soft reset"
    assert not run.device.laser_on
