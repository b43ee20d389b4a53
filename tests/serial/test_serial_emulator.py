"""The emulators alone, driven byte by byte on a virtual clock: protocol details a sender relies on."""

from __future__ import annotations

import pytest

from zmfab.errors import ParameterError
from zmfab.serial.emulator import Link, SimTransport, make_device, parse_faults
from zmfab.serial.transport import VirtualClock, open_transport


def _grbl(url: str = "sim://grbl?baud=115200"):
    tr, clock = open_transport(url)
    while not (tr.read_line(1.0) or "").startswith("Grbl 1.1h"):
        pass
    return tr, clock


def _ask(tr, text: str, n: int = 1) -> list[str]:
    tr.write(text.encode() + b"\n")
    return [tr.read_line(1.0) for _ in range(n)]


def test_banner_and_settings():
    tr, _ = _grbl()
    tr.write(b"$$\n")
    lines = []
    while (r := tr.read_line(1.0)) != "ok":
        lines.append(r)
    assert "$32=1" in lines and "$130=300" in lines and "$30=1000" in lines


def test_errors_for_unknown_words_long_lines_and_bad_numbers():
    tr, _ = _grbl()
    assert _ask(tr, "G1 X1 Q2 F100") == ["error:20"]
    assert _ask(tr, "G1 X" + "1" * 80 + " F100") == ["error:11"]
    assert _ask(tr, "G1 X1.2.3 F100") == ["error:2"]
    assert _ask(tr, "X1 Y2") == ["ok"]  # G0 is modal after reset
    assert _ask(tr, "G1 X2") == ["error:22"]  # no feed rate yet
    assert _ask(tr, "G0 G1 X2") == ["error:21"]
    assert _ask(tr, "G1 X2 X3 F10") == ["error:25"]
    assert _ask(tr, "$Q") == ["error:3"]
    assert _ask(tr, "g1 x5 f100 (comment) ; more") == ["ok"]
    assert tr.device.executed[-1] == "G1X5F100"


def test_soft_limit_alarm_needs_reset_then_unlock():
    tr, _ = _grbl("sim://grbl?soft=1")
    assert _ask(tr, "G1 X400 F100 S10", 2) == ["ALARM:2", "[MSG:Reset to continue]"]
    assert tr.read_line(1.0) is None  # a critical alarm: nothing until a reset
    assert not tr.device.laser_on
    tr.write(b"\x18")
    assert [tr.read_line(1.0) for _ in range(3)] == ["", "Grbl 1.1h ['$' for help]",
                                                    "[MSG:'$H'|'$X' to unlock]"]
    assert _ask(tr, "G0 X1") == ["error:9"]
    assert _ask(tr, "$X", 2) == ["[MSG:Caution: Unlocked]", "ok"]
    assert _ask(tr, "G0 X1") == ["ok"]


def test_status_is_answered_out_of_band_even_mid_line():
    tr, _ = _grbl()
    tr.write(b"G0 X1")
    tr.write(b"?")
    assert tr.read_line(1.0).startswith("<Idle|MPos:0.000,0.000,0.000|FS:")
    tr.write(b" Y2\n")
    assert tr.read_line(1.0) == "ok"
    assert tr.device.executed == ["G0X1Y2"]
    tr.write(b"?")
    assert tr.read_line(1.0).startswith("<Idle|MPos:1.000,2.000,0.000")


def test_feed_hold_resume_and_laser_off_in_hold():
    tr, clock = _grbl("sim://grbl?baud=115200&motion=1")
    assert _ask(tr, "G1 X50 F600 M3 S500") == ["ok"]  # 5 s of motion
    assert tr.device.laser_on
    tr.write(b"!")
    tr.read_line(0.1)
    tr.write(b"?")
    assert tr.read_line(1.0).startswith("<Hold:0")
    assert not tr.device.laser_on  # laser mode: the beam is off while held
    tr.write(b"~")
    tr.read_line(0.1)
    assert tr.device.laser_on
    tr.write(b"?")
    assert tr.read_line(1.0).startswith("<Run")


def test_check_mode_parses_without_running():
    tr, _ = _grbl()
    assert _ask(tr, "$C", 2) == ["[MSG:Enabled]", "ok"]
    assert _ask(tr, "G1 X10 F100 M3 S900") == ["ok"]
    assert not tr.device.laser_on and tr.device.executed == []
    assert _ask(tr, "$C", 4) == ["[MSG:Disabled]", "ok", "", "Grbl 1.1h ['$' for help]"]


def test_a_naive_sender_overflows_the_rx_buffer_and_it_is_recorded():
    tr, clock = _grbl("sim://grbl?baud=115200&proc=0.01")
    tr.write(b"".join(f"G0 X{i}\n".encode() for i in range(60)))
    while tr.read_line(2.0) is not None:
        pass
    assert tr.device.max_fill == 128 and tr.device.overflows > 0


def test_link_model_takes_ten_bits_a_byte():
    clock = VirtualClock()
    dev = make_device("grbl", link=Link(baud=9600))
    tr = SimTransport(dev, clock)
    dev.boot()
    tr.read_line(1.0)  # "" then the banner: 2 + 26 bytes at 960 bytes/s
    tr.read_line(1.0)
    assert clock.now() == pytest.approx(28 / 960)


def test_marlin_resend_on_bad_checksum_and_line_number():
    tr, _ = open_transport("sim://marlin")
    assert [tr.read_line(1.0) for _ in range(3)][0] == "start"
    tr.write(b"N1 G28*99\n")
    assert [tr.read_line(1.0) for _ in range(3)] == [
        "Error:checksum mismatch, Last Line: 0", "Resend: 1", "ok"]
    tr.write(b"N2 G28*" + str(_cs("N2 G28")).encode() + b"\n")
    assert [tr.read_line(1.0) for _ in range(3)] == [
        "Error:Line Number is not Last Line Number+1, Last Line: 0", "Resend: 1", "ok"]
    tr.write(b"N1 G28*" + str(_cs("N1 G28")).encode() + b"\n")
    assert tr.read_line(1.0) == "ok"
    tr.write(b"N2 G28\n")
    assert tr.read_line(1.0) == "Error:No Checksum with line number, Last Line: 1"
    tr.write(b"M42 P4 S255\n")  # an unnumbered line is accepted as is
    assert tr.read_line(1.0) == "Resend: 2" and tr.read_line(1.0) == "ok"
    assert tr.read_line(1.0) == "ok" and tr.device.pins == {"4": 255.0}
    tr.write(b"Q5\n")
    assert tr.read_line(1.0) == 'echo:Unknown command: "Q5"'


def _cs(text: str) -> int:
    from zmfab.serial.marlin import checksum

    return checksum(text)


def test_fault_specs():
    f = parse_faults(["drop:0.01,error:5:22", "alarm:9", "busy:3:4", "slow:0.2", "disconnect:7"])
    assert (f.drop, f.error_at, f.alarm_at, f.busy_at, f.slow, f.disconnect_at) == (
        0.01, {5: 22}, 9, {3: 4.0}, 0.2, 7)
    with pytest.raises(ParameterError):
        parse_faults(["explode:1"])


def test_abort_during_motion_holds_first_so_no_position_loss(h):
    from zmfab.serial.streamer import StreamAborted, Streamer, make_dialect

    tr, clock = open_transport("sim://grbl?baud=115200&motion=1")
    job = h.laser_job(100)
    reads = {"n": 0}
    inner = tr.read_line

    def read_line(timeout):
        reads["n"] += 1
        if reads["n"] == 90:
            raise KeyboardInterrupt
        return inner(timeout)

    tr.read_line = read_line
    s = Streamer(tr, dialect=make_dialect("grbl"), clock=clock, on_error="stop")
    with pytest.raises(StreamAborted):
        s.run(job)
    dev = tr.device
    assert 3 not in dev.alarms  # reset from a completed hold keeps the position
    assert [k for _, k in dev.realtime][-2:] == ["hold", "reset"]
    assert not dev.laser_on and dev.state == "Idle"
