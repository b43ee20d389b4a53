"""A GRBL 1.1h emulator: 128-byte RX buffer, 80-char lines, real-time bytes, $$, $C, alarms.

Modelled on gnea/grbl's protocol.c/serial.c/report.c behaviour (written from the documentation
and reading, not copied). Options (URL query): ``laser=0|1`` ($32), ``soft=1`` ($20 soft limits),
``travel=X,Y,Z`` ($130-$132), ``echo=1`` (``[echo:...]`` before each line), ``motion=1`` (moves take
distance/feed time in a 15-block planner), ``rx=128`` (RX buffer bytes), ``bf=1`` ($10=3: status
reports carry ``Bf:planner blocks free,RX bytes free``), ``homing=1`` ($22: start in Alarm until
``$H``), ``substrate=DX,DY,DEG`` (a sheet placed rotated by DEG about the machine origin, then
shifted by DX,DY mm: :meth:`GrblDevice.on_substrate` maps burns onto it). ``modes`` records the
motion mode each executed line ran in (a laser fires in G1/G2/G3 only).
Bench commands: ``$H``, ``$J=`` jogging (cancelled by the 0x85 byte), ``G10 L2/L20 P1`` work
offsets (reported as ``WCO:``), and every burnt move is kept in :attr:`GrblDevice.burns`.
"""

from __future__ import annotations

import math
from collections import deque

from .device import Device, Faults, Link
from .grbl_bench import BenchCommands
from .grbl_block import parse_block
from .grbl_codes import DEFAULT_SETTINGS

BANNER = "Grbl 1.1h ['$' for help]"
LINE_BUFFER = 80
PLANNER_BLOCKS = 15
class GrblDevice(BenchCommands, Device):
    """GRBL 1.1h as seen from its serial port."""

    def __init__(self, *, link: Link | None = None, faults: Faults | None = None, seed: int = 0,
                 proc: float = 0.0, options: dict[str, str] | None = None) -> None:
        super().__init__(link=link, faults=faults, seed=seed, proc=proc)
        opts = options or {}
        self.settings = dict(DEFAULT_SETTINGS)
        self.settings[32] = float(opts.get("laser", 1))
        self.settings[20] = float(opts.get("soft", 0))
        if "travel" in opts:
            for i, v in enumerate(opts["travel"].split(",")[:3]):
                self.settings[130 + i] = float(v)
        if opts.get("bf", "0") == "1":
            self.settings[10] = 3.0
        self.modes: list[int] = []
        self.echo = opts.get("echo", "0") == "1"
        self.motion = opts.get("motion", "0") == "1"
        self.rx_size = int(opts.get("rx", 128))
        self.rx = bytearray()
        self.max_fill = 0
        self.overflows = 0
        self.checked: list[str] = []
        self.resets = 0
        self.alarms: list[int] = []
        self.realtime: list[tuple[float, str]] = []
        self.statuses = 0  # status reports sent (faults: badstatus:N garbles the Nth)
        self.done = 0  # executed lines finished (moves completed), a prefix of ``executed``
        self.settings[22] = float(opts.get("homing", 0))
        self.substrate = tuple(float(v) for v in opts.get("substrate", "0,0,0").split(",")[:3])
        self.burns: list[tuple[tuple[float, float], tuple[float, float], float]] = []
        self.wco = [0.0, 0.0, 0.0]
        self._wco_due = 0
        self.jogging = False
        self.homed = 0
        self._power_on(alarm=bool(self.settings[22]))

    def _power_on(self, *, alarm: bool) -> None:
        """Firmware start: buffers empty, parser defaults (M5 S0), Alarm kept if ``alarm``."""
        self.line = bytearray()
        self.overflow = self.paren = self.semi = False
        self.busy_until: float | None = None
        self.status_due = False
        self.reply: list[str] = []
        self.waiting: str | None = None  # a parsed motion line waiting for planner room
        self.waiting_n = -1
        self.state = "Alarm" if alarm else "Idle"
        self.critical = False
        self.check = False
        self.hold = False
        self.hold_done_at: float | None = None
        # (seconds, end point, index into ``executed``) per planned move
        self.planner: deque[tuple[float, tuple[float, float, float], int]] = deque()
        self.head_end: float | None = None
        self.head_left = 0.0
        kept = getattr(self, "mpos", None)  # a soft reset keeps the position (GRBL does)
        self.pos = list(kept) if kept else [0.0, 0.0, 0.0]  # planned position (last accepted move)
        self.mpos = list(kept) if kept else [0.0, 0.0, 0.0]  # machine position (last finished move)
        self.jogging = False
        self.modal = {"motion": 0, "relative": False, "inches": False, "feed": 0.0, "spindle": 5,
                      "power": 0.0}
        self._laser()

    def boot(self) -> None:
        """Print the start-up banner (and the unlock reminder after an alarm)."""
        self.emit("")
        self.emit(BANNER)
        if self.state == "Alarm":
            self.emit("[MSG:'$H'|'$X' to unlock]")

    def reconnect(self) -> None:
        """Opening the port toggles DTR, which resets the Arduino: laser off, fresh banner."""
        super().reconnect()
        self.rx.clear()
        self.mpos = None  # power cycle: the position is lost
        self._power_on(alarm=bool(self.settings[22]))
        self.boot()

    # ----- real-time bytes and the RX buffer -------------------------------------------------
    def on_byte(self, b: int) -> None:
        if b == 0x3F:
            if self.busy_until is not None and self.waiting is None:
                self.status_due = True  # GRBL reports between lines, after the ok, not mid-parse
            else:
                self.emit(self.status())
        elif b == 0x21:
            self.realtime.append((self.t, "hold"))
            self._feed_hold()
        elif b == 0x7E:
            self.realtime.append((self.t, "resume"))
            self._cycle_start()
        elif b == 0x18:
            self.realtime.append((self.t, "reset"))
            self._reset()
        elif b == 0x85:
            self.realtime.append((self.t, "jog_cancel"))
            self._jog_cancel()
        elif b > 0x7F:
            pass
        elif len(self.rx) < self.rx_size:
            self.rx.append(b)
            self.max_fill = max(self.max_fill, len(self.rx))
            self._pump()
        else:
            self.overflows += 1

    def status(self) -> str:
        state = "Hold:0" if self.state == "Hold" and self.hold_done_at is None else (
            "Hold:1" if self.state == "Hold" else self.state)
        if self.state == "Idle" and (self.planner or self.busy_until is not None):
            state = "Jog" if self.jogging else "Run"
        pos = ",".join(f"{v:.3f}" for v in self.mpos)
        self.statuses += 1
        if self.statuses in self.faults.bad_status:  # a noisy link: a digit lost, a dot kept
            self.injected.append(("badstatus", self.statuses))
            pos = pos.replace(",", ".,", 1).replace("0.,", ".,", 1)
        text = f"<{state}|MPos:{pos}"
        if int(self.settings[10]) & 2:
            text += f"|Bf:{PLANNER_BLOCKS - len(self.planner)},{self.rx_size - len(self.rx)}"
        feed = self.modal["feed"] if self.planner and not self.hold else 0.0
        text += f"|FS:{feed:g},{self.modal['power'] if self.laser_on else 0:g}"
        self._wco_due -= 1
        if self._wco_due <= 0:  # GRBL reports WCO when it changed, else every 10-30 reports
            text += "|WCO:" + ",".join(f"{v:.3f}" for v in self.wco)
            self._wco_due = 10
        return text + ">"

    def _feed_hold(self) -> None:
        if self.state in ("Alarm", "Check"):
            return
        self.state, self.hold = "Hold", True
        moving = bool(self.planner) and self.head_end is not None
        if moving:
            self.head_left = max(0.0, self.head_end - self.t)
            self.head_end = None
            self.hold_done_at = self.t + 0.02  # deceleration
        else:
            self.hold_done_at = None
        self._laser()

    def _cycle_start(self) -> None:
        if self.state == "Hold" and self.hold_done_at is None:
            self.state, self.hold = "Idle", False
            self._start_head()
            self._laser()
            self._pump()

    def _reset(self) -> None:
        moving = (self.state == "Idle" and bool(self.planner)) or (
            self.state == "Hold" and self.hold_done_at is not None)
        self.resets += 1
        self.rx.clear()
        if moving:
            self.alarms.append(3)
            self.emit("ALARM:3")
        self._power_on(alarm=moving or self.state == "Alarm")
        self.boot()

    def _alarm(self, code: int) -> None:
        """A critical alarm (limits): stop, laser off, wait for a reset."""
        self.alarms.append(code)
        self.emit(f"ALARM:{code}")
        self.emit("[MSG:Reset to continue]")
        self.state, self.critical = "Alarm", True
        self.planner.clear()
        self.head_end = None
        self._laser()

    # ----- the main loop ---------------------------------------------------------------------
    def timer(self) -> float | None:
        times = [x for x in (self.busy_until, self.head_end, self.hold_done_at) if x is not None]
        return min(times) if times else None

    def on_timer(self) -> None:
        if self.hold_done_at is not None and self.hold_done_at <= self.t:
            self.hold_done_at = None
        if self.head_end is not None and self.head_end <= self.t:
            self._finish_head()
        if self.busy_until is not None and self.busy_until <= self.t:
            self.busy_until = None
            self._reply()
        self._pump()

    def _pump(self) -> None:
        while self.busy_until is None and self.waiting is None and not self.critical and self.rx:
            c = self.rx.pop(0)
            if c in (10, 13):
                self._end_of_line()
            elif self.overflow or self.paren or self.semi:
                if c == 0x29:
                    self.paren = False
            elif c <= 0x20 or c == 0x2F:
                pass
            elif c == 0x28:
                self.paren = True
            elif c == 0x3B:
                self.semi = True
            elif len(self.line) >= LINE_BUFFER - 1:
                self.overflow = True
            else:
                self.line.append(c - 32 if 0x61 <= c <= 0x7A else c)

    def _end_of_line(self) -> None:
        text = self.line.decode("ascii", "replace")
        overflow = self.overflow
        self.line = bytearray()
        self.overflow = self.paren = self.semi = False
        if text and not text.startswith("$"):  # faults count G-code lines, as the job numbers them
            self.lines_received += 1
        n = self.lines_received if text and not text.startswith("$") else -1
        if self.echo:
            self.emit(f"[echo: {text}]")
        if overflow:
            result = "error:11"
        elif n in self.faults.error_at:
            self.injected.append(("error", n))
            result = f"error:{self.faults.error_at[n]}"
        elif self.faults.alarm_at == n and text and not text.startswith("$"):
            self.injected.append(("alarm", n))
            self._alarm(2)
            return
        elif self.faults.reset_at == n:  # a watchdog or brown-out: the line and the buffers are lost
            self.injected.append(("reset", n))
            self.resets += 1
            self.rx.clear()
            self._power_on(alarm=False)
            self.boot()
            return
        else:
            result = self._execute(text)
        if self.faults.disconnect_at == n:
            self.injected.append(("disconnect", n))
            self.disconnect()
        if result is None:  # waiting for planner room
            self.waiting_n = n
            return
        if result == "ok":
            result = self.ack(n)
            if result is None:
                return
        self.reply.append(result)
        self.busy_until = self.t + self.proc
        if self.proc <= 0:
            self.busy_until = None
            self._reply()

    def _reply(self) -> None:
        for r in self.reply:
            self.emit(r)
        self.reply = []
        if self.status_due:
            self.status_due = False
            self.emit(self.status())

    # ----- lines -----------------------------------------------------------------------------
    def _execute(self, text: str) -> str | None:
        if not text:
            return "ok"
        if text.startswith("$"):
            return self._system(text)
        if self.state == "Alarm":
            return "error:9"
        err, target, moved = self._parse(text)
        if err:
            return f"error:{err}"
        if self.check:
            self.checked.append(text)
            return "ok"
        if self._work_offset(text):
            self.executed.append(text)
            self.modes.append(self.modal["motion"])
            return "ok"
        if moved and self.settings[20] and not self._within(target):
            self._alarm(2)
            return None
        self.executed.append(text)
        self.modes.append(self.modal["motion"])
        self._laser()
        if moved and self.laser_on and self.modal["motion"] in (1, 2, 3):
            self.burns.append(((self.pos[0], self.pos[1]), (target[0], target[1]),
                               self.modal["power"]))
        if moved:
            self.pos = list(target)
            return self._plan(text, target)
        if not self.planner:
            self.done = len(self.executed)
        return "ok"

    def _plan(self, text: str, target: list[float]) -> str | None:
        dist = math.dist(self.mpos if not self.planner else self.planner[-1][1], target)
        rate = self.modal["feed"] if self.modal["motion"] else self.settings[110]
        duration = dist / rate * 60.0 if self.motion and rate else 0.0
        if self.faults.freeze_at == self.lines_received:  # a stuck axis: the block never ends
            self.injected.append(("freeze", self.lines_received))
            duration = math.inf
        if duration <= 0 and not self.hold and not self.planner:
            self.mpos = list(target)
            self.done = len(self.executed)
            return "ok"
        self.planner.append((duration, (target[0], target[1], target[2]), len(self.executed) - 1))
        if self.head_end is None and not self.hold:
            self._start_head()
        if len(self.planner) >= PLANNER_BLOCKS:
            self.waiting = text
            return None
        return "ok"

    def _start_head(self) -> None:
        if self.planner and not self.hold:
            left = self.head_left or self.planner[0][0]
            self.head_end, self.head_left = self.t + left, 0.0

    def _finish_head(self) -> None:
        _, target, _ = self.planner.popleft()
        self.mpos = list(target)
        self.head_end = None
        self.jogging = self.jogging and bool(self.planner)
        self.done = self.planner[0][2] if self.planner else len(self.executed)
        self._start_head()
        if self.waiting is not None and len(self.planner) < PLANNER_BLOCKS:
            self.waiting = None
            ok = self.ack(self.waiting_n)
            if ok is not None:
                self.reply.append(ok)
            self.busy_until = self.t + self.proc

    def _within(self, p: list[float]) -> bool:
        return all(-1e-9 <= p[i] <= self.settings[130 + i] + 1e-9 for i in range(2)) and (
            abs(p[2]) <= self.settings[132] + 1e-9)

    def _parse(self, text: str) -> tuple[int, list[float], bool]:
        """Check a block (:func:`~.grbl_block.parse_block`) against the work offset; on success
        the modal state follows it (check mode too: leaving it resets)."""
        err, target, moved, modal = parse_block(text, self.modal, self.pos, wco=self.wco)
        if not err:
            self.modal = modal
        return err, target, moved

    def _system(self, text: str) -> str | None:
        cmd = text[1:]
        if cmd == "":
            self.emit("[HLP:$$ $# $G $I $N $x=val $Nx=line $J=line $SLP $C $X $H ~ ! ? ctrl-x]")
        elif cmd == "$":
            for k in sorted(self.settings):
                self.emit(f"${k}={self.settings[k]:g}")
        elif cmd == "X":
            if self.state == "Alarm":
                self.state = "Idle"
                self.emit("[MSG:Caution: Unlocked]")
        elif cmd == "C":
            if self.state not in ("Idle", "Check"):
                return "error:8"
            self.check = not self.check
            self.emit("[MSG:Enabled]" if self.check else "[MSG:Disabled]")
            if not self.check:
                self.reply.append("ok")
                self.state = "Idle"
                self._reply()
                self._reset()
                return None
            self.state = "Check"
        elif cmd == "G":
            self.emit(f"[GC:G{self.modal['motion']} G54 G17 G{21 - self.modal['inches']} "
                      f"G{91 if self.modal['relative'] else 90} G94 M{self.modal['spindle']} M9 T0 "
                      f"F{self.modal['feed']:g} S{self.modal['power']:g}]")
        elif cmd == "#":
            self.emit("[G54:" + ",".join(f"{v:.3f}" for v in self.wco) + "]")
            self.emit("[G92:0.000,0.000,0.000]")
        elif cmd == "I":
            self.emit("[VER:1.1h.20190830:]")
            self.emit(f"[OPT:V,{PLANNER_BLOCKS},{self.rx_size}]")
        elif cmd == "H":
            if not self.settings[22]:
                return "error:5"
            self.mpos = [0.0, 0.0, 0.0]
            self.pos = [0.0, 0.0, 0.0]
            self.state, self.homed = "Idle", self.homed + 1
        elif cmd.startswith("J="):
            return self._jog(cmd[2:])
        elif "=" in cmd and cmd.split("=")[0].isdigit():
            key, _, val = cmd.partition("=")
            if int(key) not in self.settings:
                return "error:3"
            try:
                self.settings[int(key)] = float(val)
            except ValueError:
                return "error:2"
        else:
            return "error:3"
        return "ok"

    def _laser(self) -> None:
        m = self.modal
        on = (m["spindle"] in (3, 4) and m["power"] > 0 and self.state != "Alarm"
              and not (self.hold and self.settings[32]))
        self.record_laser(on, m["power"] if on else 0.0)

