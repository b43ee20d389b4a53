"""The GRBL 1.1 dialect: banner and ``$$`` handshake, job checks, character counting, safe stop."""

from __future__ import annotations

import re

from ..errors import DeviceError
from . import grbl_codes as codes
from .jobscan import JobInfo, clean_line
from .outputs import Outputs
from .protocol import Item, Link, Reply

_STATE = re.compile(r"^([A-Za-z]+)(?::(\d))?$")
_OPT = re.compile(r"^\[OPT:[^,]*,(\d+),(\d+)")
_SETTING = re.compile(r"^\$(\d+)=([-\d.]+)")
LINE_MAX = 79  # GRBL's 80-byte line buffer keeps 79 characters


class GrblDialect:
    """Talks GRBL 1.1: ``mode="count"`` (character counting) or ``"simple"`` (send, wait for ok)."""

    name = "grbl"
    polls = True

    def __init__(self, *, mode: str = "count", rx_limit: int = 127, banner_timeout: float = 2.5,
                 reply_timeout: float = 5.0, probe_timeout: float = 0.25) -> None:
        self.mode, self.rx_limit = mode, rx_limit
        self.banner_timeout, self.reply_timeout = banner_timeout, reply_timeout
        self.probe_timeout = probe_timeout
        self.settings: dict[int, float] = {}
        self.banner = ""
        self.planner_blocks, self.rx_size = 15, rx_limit + 1  # $I's [OPT:...] corrects them
        self.outputs = Outputs()  # GRBL's soft reset switches everything off; kept for symmetry
        self.stopped_idle = False  # the last safe stop found the machine idle before the reset

    # ----- handshake ---------------------------------------------------------------------------
    def connect(self, link: Link) -> None:
        """Probe with ``?`` at once (a running GRBL answers; its banner came long ago); else
        wait for the banner of a board that resets on open, soft-reset once if none came. Then
        check the state is Idle and read ``$$`` and ``$I``."""
        link.write(codes.STATUS)
        answer = lambda r: r.startswith("<") or _is_banner(r)  # noqa: E731
        first, _ = link.wait_for(answer, self.probe_timeout)
        if first is None:  # booting (reset on open), or slow: its banner or a late status
            first, _ = link.wait_for(answer, self.banner_timeout)
        if first is None:
            link.write(codes.SOFT_RESET)
            first, _ = link.wait_for(_is_banner, self.banner_timeout)
        if first is None:
            raise DeviceError(f"port {link.name}: no GRBL banner within {self.banner_timeout:g}s"
                              " (wrong port, baud rate, or not a GRBL 1.1 controller?)")
        if _is_banner(first):
            self.banner = first
            link.event("message", text=first)
            link.write(codes.STATUS)
            first, _ = link.wait_for(lambda r: r.startswith("<"), self.reply_timeout)
        state = self.classify(first).data.get("state") if first else None
        if state == "Alarm":
            raise DeviceError(f"port {link.name}: GRBL is in alarm state; home ($H) or unlock ($X) "
                              "before streaming")
        if state != "Idle":
            raise DeviceError(f"port {link.name}: GRBL reports {state or 'no status'}, not Idle "
                              "(another job running, held, or in check mode?); stop it first")
        self.settings = self.read_settings(link)
        self.read_build_info(link)

    def read_build_info(self, link: Link) -> None:
        """``$I``: the planner's blocks and the RX buffer's bytes (``[OPT:V,15,128]``)."""
        link.write(b"$I\n")
        ok, lines = link.wait_for(lambda r: r == "ok" or r.startswith("error:"), self.reply_timeout)
        for line in lines:
            m = _OPT.match(line)
            if m:
                self.planner_blocks, self.rx_size = int(m.group(1)), int(m.group(2))

    def rapid(self) -> tuple[float, float, float]:
        """Maximum rates of X, Y, Z in mm/min ($110-$112), for move-time estimates."""
        s = self.settings
        return (s.get(110, 6000.0), s.get(111, 6000.0), s.get(112, 500.0))

    def read_settings(self, link: Link) -> dict[int, float]:
        link.write(b"$$\n")
        ok, lines = link.wait_for(lambda r: r == "ok" or r.startswith("error:"), self.reply_timeout)
        if ok != "ok":
            raise DeviceError(f"port {link.name}: GRBL did not answer $$ ({ok or 'no reply'})")
        out = {}
        for line in lines:
            m = _SETTING.match(line)
            if m:
                out[int(m.group(1))] = float(m.group(2))
        return out

    # ----- the job -----------------------------------------------------------------------------
    def clean(self, raw: str) -> str:
        return clean_line(raw, compact=True)

    def check_job(self, items: list[Item], info: JobInfo, *, port: str) -> None:
        """Refuse lines GRBL would overflow on, moves beyond travel, and laser jobs without $32=1."""
        for it in items:
            if len(it.text) > LINE_MAX:
                raise DeviceError(f"line {it.line}: {len(it.text)} characters; GRBL reads at most "
                                  f"{LINE_MAX} (error:11 line overflow)")
        s = self.settings
        if info.bounds is not None and all(k in s for k in (130, 131, 132)):
            for i, axis in enumerate("XYZ"):
                lo, hi = info.bounds[i]
                travel = s[130 + i]
                fits = (-travel - 1e-6 <= lo and hi <= travel + 1e-6) if axis == "Z" else (
                    lo >= -1e-6 and hi <= travel + 1e-6)
                if not fits:
                    raise DeviceError(
                        f"port {port}: job does not fit the machine: {axis} spans {lo:g}..{hi:g} mm, "
                        f"travel ${130 + i}={travel:g} mm")
        if info.lasers and s.get(32, 1) == 0:
            raise DeviceError(f"port {port}: job fires the laser (M3/M4 with S) but laser mode is "
                              "off ($32=0); set $32=1 or the beam stays on through stops and G0")
        if info.lasers and 30 in s and info.max_power > s[30] + 1e-9:
            raise DeviceError(f"port {port}: job asks S{info.max_power:g} but $30 (max S) is "
                              f"{s[30]:g}; scale the job's power")

    def frame(self, item: Item, seq: int) -> bytes:
        return (item.text + "\n").encode("ascii")

    def can_send(self, in_flight: int, in_flight_bytes: int, nbytes: int) -> bool:
        if self.mode == "simple":
            return in_flight == 0
        return in_flight_bytes + nbytes <= self.rx_limit

    # ----- replies -----------------------------------------------------------------------------
    def classify(self, raw: str) -> Reply:
        if raw == "ok":
            return Reply("ok", raw)
        if raw.startswith("error:"):
            code = _int(raw[6:])
            return Reply("error", raw, code, codes.ERRORS.get(code or -1, "unknown error code"))
        if raw.startswith("ALARM:"):
            code = _int(raw[6:])
            return Reply("alarm", raw, code, codes.ALARMS.get(code or -1, "unknown alarm"), True)
        if raw.startswith("<"):
            data = parse_status(raw)
            return Reply("status", raw, data=data) if data else Reply("unparsed", raw)
        if raw.startswith("[echo:"):
            return Reply("echo", raw, data={"text": raw[6:].rstrip("]").strip()})
        if _is_banner(raw):
            return Reply("banner", raw, meaning="controller reset during the job", fatal=True)
        if not raw.strip() or raw.startswith(">"):
            return Reply("ignore", raw)
        return Reply("message", raw)

    # ----- control -----------------------------------------------------------------------------
    def poll(self, link: Link) -> None:
        link.write(codes.STATUS)

    def hold(self, link: Link) -> None:
        link.write(codes.FEED_HOLD)

    def resume(self, link: Link) -> None:
        link.write(codes.CYCLE_START)

    def safe_stop(self, link: Link) -> str:
        """Feed hold, wait (briefly) for the hold to complete, then soft reset: laser, spindle
        and coolant (M7/M8 air assist) off, planner and RX buffer emptied."""
        link.write(codes.FEED_HOLD)
        deadline = link.now() + 1.0
        replies = 0  # the first status may answer a poll sent before the hold: skip it
        self.stopped_idle = False
        next_poll = link.now()
        while link.now() < deadline:  # poll every 50 ms: never faster than time moves
            if link.now() >= next_poll:
                link.write(codes.STATUS)
                next_poll = link.now() + 0.05
            r = link.read(max(0.0, min(next_poll, deadline) - link.now()))
            if r is None or not r.startswith("<"):
                continue
            replies += 1
            if replies >= 2 and r.startswith(("<Hold:0", "<Idle", "<Alarm", "<Check")):
                self.stopped_idle = r.startswith("<Idle")
                break
        link.write(codes.SOFT_RESET)
        banner, _ = link.wait_for(_is_banner, self.banner_timeout)
        return "feed hold + soft reset" + ("" if banner else " (no banner after reset)")

    def begin_dry_run(self, link: Link) -> None:
        self._dollar_c(link, "[MSG:Enabled]")

    def end_dry_run(self, link: Link) -> None:
        self._dollar_c(link, "[MSG:Disabled]")
        link.wait_for(_is_banner, self.banner_timeout)  # GRBL resets on leaving check mode

    def _dollar_c(self, link: Link, expect: str) -> None:
        link.write(b"$C\n")
        ok, seen = link.wait_for(lambda r: r == "ok" or r.startswith("error:"), self.reply_timeout)
        if ok != "ok" or expect not in seen:
            raise DeviceError(f"port {link.name}: $C (check mode) refused: {ok or 'no reply'}")

    def describe(self, reply: Reply) -> str:
        if reply.kind == "error":
            return codes.describe_error(reply.code or 0)
        if reply.kind == "alarm":
            return codes.describe_alarm(reply.code or 0)
        return reply.meaning or reply.raw


def parse_status(raw: str) -> dict | None:
    """``<State[:n]|MPos:x,y,z|Bf:blocks,bytes|...>`` as a dict (state, sub, pos, bf, wco), or
    None when it does not read as one (a noisy link garbles digits)."""
    if not raw.startswith("<") or not raw.endswith(">"):
        return None
    fields = raw[1:-1].split("|")
    m = _STATE.match(fields[0])
    if not m:
        return None
    data: dict = {"state": m.group(1), "sub": m.group(2)}
    try:
        for f in fields[1:]:
            key, _, value = f.partition(":")
            nums = [float(v) for v in value.split(",")] if key in (
                "MPos", "WPos", "Bf", "WCO", "FS", "F", "Ov") else None
            if key in ("MPos", "WPos") and nums is not None and len(nums) >= 3:
                data["pos"] = nums[:3]
            elif key == "Bf" and nums is not None:
                if len(nums) != 2:
                    return None
                data["bf"] = (int(nums[0]), int(nums[1]))
            elif key == "WCO" and nums is not None:
                data["wco"] = nums
    except ValueError:
        return None
    return data if "pos" in data else None


def _is_banner(raw: str) -> bool:
    return raw.startswith("Grbl ") and "['$' for help]" in raw


def _int(text: str) -> int | None:
    try:
        return int(text.strip())
    except ValueError:
        return None
