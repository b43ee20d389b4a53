"""Streaming to the GRBL emulator: clean jobs, the RX buffer, every fault kind, resume, dry run."""

from __future__ import annotations

import re

import pytest

from zmfab.errors import DeviceError
from zmfab.serial.streamer import StreamAborted
from zmfab.serial.transport import LinkClosed

URL = "sim://grbl?baud=115200"


def _prefix_ok(executed: list[str], job: list[str], upto: int) -> None:
    """The first ``upto`` job lines ran, in order, once."""
    assert executed[:upto] == job[:upto]


def test_clean_job_runs_every_line_once_in_order(stream, h):
    job = h.laser_job()
    run = stream(URL, job)
    assert run.error is None
    assert run.device.executed == h.compact(job)
    assert run.result.acked == len(job)
    assert run.device.overflows == 0 and run.device.max_fill <= 128
    assert not run.device.laser_on
    assert run.kinds("done") and run.kinds("progress")[-1].data["percent"] == 100.0
    assert len(run.kinds("sent")) == len(job) == len(run.kinds("ack"))


def test_rx_buffer_filled_but_never_exceeded_on_a_slow_machine(stream, h):
    job = h.laser_job(400)
    run = stream(URL + "&proc=0.003&motion=1", job)
    assert run.error is None
    assert run.device.executed == h.compact(job)
    assert 100 <= run.device.max_fill <= 128
    assert run.device.overflows == 0
    assert run.result.max_in_flight_bytes <= 127


def test_simple_mode_keeps_one_line_in_flight(stream, h):
    job = h.laser_job(50)
    run = stream(URL, job, dialect={"mode": "simple"})
    assert run.error is None and run.device.executed == h.compact(job)
    assert run.device.max_fill <= max(len(x) + 1 for x in h.compact(job))


def test_error_reply_stops_with_line_and_meaning_and_laser_off(stream, h):
    job = h.laser_job()
    run = stream(URL + "&fault=error:120:20", job)
    assert isinstance(run.error, StreamAborted)
    assert "line 120" in str(run.error) and "error:20" in str(run.error)
    assert "unsupported" in str(run.error)
    executed = run.device.executed
    assert executed[:119] == h.compact(job)[:119]
    assert h.compact(job)[119] not in executed[119:120]
    assert not run.device.laser_on
    assert run.device.resets >= 1
    assert run.kinds("safe_stop")[0].data["sent"] is True


def test_error_then_continue_skips_only_that_line(stream, h):
    job = h.laser_job()
    asked = []
    run = stream(URL + "&fault=error:57:33", job, on_error="ask",
                 on_pause=lambda reason: asked.append(reason) or "continue")
    assert run.error is None, run.error
    assert len(asked) == 1 and "line 57" in asked[0]
    expected = h.compact(job)
    assert run.device.executed == expected[:56] + expected[57:]
    assert run.result.errors and run.result.errors[0][0] == 57
    assert run.kinds("paused") and run.kinds("resumed")
    assert not run.device.laser_on


def test_alarm_mid_job_stops_and_laser_is_off(stream, h):
    job = h.laser_job()
    run = stream(URL + "&fault=alarm:200", job)
    assert isinstance(run.error, DeviceError)
    assert "ALARM:2" in str(run.error) and "soft limit" in str(run.error)
    _prefix_ok(run.device.executed, h.compact(job), 199)
    assert len(run.device.executed) == 199
    assert not run.device.laser_on
    assert run.device.state == "Alarm"


def test_job_beyond_travel_is_refused_before_sending(stream):
    job = ["G21", "G90", "G0 X10 Y10", "G1 X350 Y20 F1000 S100", "M5"]
    run = stream(URL, job)
    assert isinstance(run.error, DeviceError)
    assert "does not fit" in str(run.error) and "$130=300" in str(run.error)
    assert run.device.executed == [] and not run.kinds("sent")


def test_laser_job_refused_when_laser_mode_off(stream, h):
    run = stream(URL + "&laser=0", h.laser_job(20))
    assert isinstance(run.error, DeviceError) and "$32=0" in str(run.error)
    assert run.device.executed == []


def test_overlong_line_refused(stream):
    run = stream(URL, ["G1 F100 (a comment) X1." + "0" * 70 + "1"])
    assert isinstance(run.error, DeviceError) and "at most 79" in str(run.error)


def test_soft_limit_alarm_from_machine_travel(stream):
    # the job's bounds fit the check (relative moves are tracked) but $20 catches a bad arc-free jump
    job = ["G21", "G90", "F1000", "G1 X10 Y10", "G91", "G1 X200", "G1 X200", "G90", "M5"]
    run = stream(URL + "&soft=1", job)
    assert isinstance(run.error, DeviceError)
    assert "does not fit" in str(run.error)  # refused up front: 410 mm > 300 mm


@pytest.mark.parametrize("rate", [0.002, 0.0002])
@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("kind", ["drop", "corrupt"])
def test_byte_faults_detected_by_echo_or_job_exact(stream, kind, seed, rate, h):
    job = h.laser_job(200)
    run = stream(URL + f"&echo=1&fault={kind}:{rate}&seed={seed}", job, timeout=2.0)
    expected = h.compact(job)
    assert not run.device.laser_on
    if run.error is None:
        assert run.device.executed == expected
    else:
        m = re.search(r"line (\d+)", str(run.error))
        assert m, run.error
        line = int(m.group(1))
        assert run.device.executed[: line - 1] == expected[: line - 1]
        assert run.device.injected  # a fault was really injected


def test_without_echo_a_corrupted_digit_goes_unseen(stream, h):
    """GRBL has no checksums: a byte changed into another valid G-code word runs silently.

    Documents the limit (use ``echo`` builds or Marlin-style checksums where it matters)."""
    job = h.laser_job(200)
    run = stream(URL + "&fault=corrupt:0.0005&seed=3", job, timeout=2.0)
    assert run.error is None and run.device.injected
    assert run.device.executed != h.compact(job)


def test_disconnect_port_gone_is_reported_and_grbl_keeps_its_state(stream, h):
    """The link is cut and cannot be reopened: no safe stop can reach the machine. The emulator,
    like real GRBL, runs what it already received and keeps the laser enabled (M4 S600)."""
    job = h.laser_job()
    run = stream(URL + "&fault=disconnect:150&reopen=0", job)
    assert isinstance(run.error, LinkClosed)
    stop = run.kinds("safe_stop")
    assert stop and stop[0].data["sent"] is False and "link is down" in stop[0].text
    dev = run.device
    assert dev.executed == h.compact(job)[: len(dev.executed)] and len(dev.executed) == 150
    dev.advance_to(run.clock.now() + 1.0)
    assert dev.laser_on  # honest: nothing the host can do until the port is back
    dev.reconnect()  # opening the port again toggles DTR: the controller resets
    assert not dev.laser_on
    assert dev.host_read(dev.t + 1.0).decode().strip().startswith("Grbl 1.1h")


def test_disconnect_then_streamer_reopens_resets_and_stops(stream, h):
    job = h.laser_job()
    run = stream(URL + "&fault=disconnect:150", job)
    assert isinstance(run.error, LinkClosed) and "disconnected" in str(run.error)
    kinds = [e.kind for e in run.events]
    assert kinds[-3:] == ["reconnected", "safe_stop", "aborted"]
    assert run.kinds("safe_stop")[0].data["sent"] is True
    dev = run.device
    assert len(dev.executed) == 150 and dev.executed == h.compact(job)[:150]
    assert not dev.laser_on and dev.resets >= 1


class _InterruptAfter:
    """Wraps a transport: raises KeyboardInterrupt on the Nth read (a user's Ctrl-C)."""

    def __init__(self, inner, n):
        self.inner, self.n, self.name, self.device = inner, n, inner.name, inner.device

    def write(self, data):
        self.inner.write(data)

    def read_line(self, timeout):
        self.n -= 1
        if self.n == 0:
            raise KeyboardInterrupt
        return self.inner.read_line(timeout)

    def close(self):
        pass


def _interrupted(decision, h):
    from zmfab.serial.streamer import Streamer, make_dialect
    from zmfab.serial.transport import open_transport

    tr, clock = open_transport(URL)
    wrapped = _InterruptAfter(tr, 150)
    events = []
    s = Streamer(wrapped, dialect=make_dialect("grbl"), clock=clock, on_event=events.append,
                 on_error="ask", on_pause=lambda reason: decision)
    try:
        s.run(h.laser_job())
        return tr.device, events, None
    except BaseException as exc:  # noqa: BLE001
        return tr.device, events, exc


def test_ctrl_c_then_abort_sends_safe_stop(h):
    dev, events, exc = _interrupted("abort", h)
    assert isinstance(exc, StreamAborted) and "interrupted" in str(exc)
    assert [k for _, k in dev.realtime][:1] == ["hold"] and "reset" in [k for _, k in dev.realtime]
    assert not dev.laser_on
    assert dev.executed == h.compact(h.laser_job())[: len(dev.executed)]


def test_ctrl_c_then_continue_finishes_the_job(h):
    dev, events, exc = _interrupted("continue", h)
    assert exc is None
    assert dev.executed == h.compact(h.laser_job())
    assert [k for _, k in dev.realtime] == ["hold", "resume"]


def test_resume_from_line_runs_exactly_the_rest(stream, h):
    job = h.laser_job()
    n = 123
    run = stream(URL, job, from_line=n)
    assert run.error is None
    ex = run.device.executed
    rest = h.compact(job[n - 1:])
    assert ex[-len(rest):] == rest
    pre = ex[: len(ex) - len(rest)]
    assert pre[:3] == ["G21", "G90", "M5S0"]
    assert pre[3].startswith("G0X") and "M4S0" in pre and "F1500" in pre
    # the laser was off while travelling to the start point
    assert all(not on for t, on, _ in run.device.laser_log if t <= run.kinds("ack")[3].t)


def test_dry_run_checks_every_line_in_check_mode(stream, h):
    job = h.laser_job(40) + ["G1 X1 Y1 Q5"]
    run = stream(URL, job, dry_run=True)
    assert run.error is None
    assert run.device.executed == []
    assert run.device.checked == h.compact(job[:-1])
    assert run.result.errors and run.result.errors[0][0] == len(job)
    assert not run.device.check and run.device.resets == 1


def test_no_banner_is_a_device_error(stream, h):
    run = stream(URL + "&mute=1", h.laser_job(5), dialect={"banner_timeout": 1.0})
    assert isinstance(run.error, DeviceError)
    assert str(run.error) == ("port sim://grbl?baud=115200&mute=1: no GRBL banner within 1s "
                              "(wrong port, baud rate, or not a GRBL 1.1 controller?)")


def test_slow_machine_does_not_time_out(stream, h):
    job = h.laser_job(60)
    run = stream(URL + "&fault=slow:0.4", job, timeout=1.0)
    assert run.error is None
    assert run.device.executed == h.compact(job)
    assert run.kinds("status")


def test_eta_uses_estimate_then_measurement(stream, h):
    run = stream(URL, h.laser_job(), estimate_s=100.0)
    etas = [e.data["eta"] for e in run.kinds("progress")]
    assert etas[-1] == 0.0
    assert all(e is not None for e in etas)


def test_interrupt_hook_pauses_then_continues(h):
    from zmfab.serial.streamer import Streamer, make_dialect
    from zmfab.serial.transport import open_transport

    tr, clock = open_transport(URL)
    turns = {"n": 0}

    def interrupted() -> bool:
        turns["n"] += 1
        return turns["n"] == 50

    asked = []
    s = Streamer(tr, dialect=make_dialect("grbl"), clock=clock, on_error="ask",
                 on_pause=lambda reason: asked.append(reason) or "continue", interrupted=interrupted)
    s.run(h.laser_job())
    assert asked == [asked[0]] and "interrupted by user" in asked[0]
    assert tr.device.executed == h.compact(h.laser_job())
    assert [k for _, k in tr.device.realtime] == ["hold", "resume"]
