"""A Marlin 2 emulator: line numbers with checksums, ``Resend: N``, ``ok``, ``busy:``, ``echo:``.

On a bad line (checksum mismatch, missing checksum, out-of-sequence number) Marlin prints
``Error:...Last Line: N``, throws away its RX buffer, asks ``Resend: N+1`` and says ``ok``; it
reads serial only while its command queue (BUFSIZE) has room. Options: ``bufsize=4``, ``rx=128``,
``temp=1`` (temperature auto-report every second), ``advok=1`` (ADVANCED_OK: ``ok N<the
acknowledged line's number> P<planner free> B<queue free>``). Heaters (M104/M109 per tool,
M140/M190), the fan (M106/M107), M42 pins, the tool (T) and the extruder (M82/M83, G92 E,
G90/G91) are modelled so tests can check what a stop leaves on. Bench commands: ``G28`` (home),
``G92`` (logical position), ``G90``/``G91``, ``M114`` (position) and ``M115`` (firmware); the
limits ``M203`` (max feed rates; ``feed=300`` sets X and Y, mm/s), ``M211`` (soft endstops;
``endstops=200,200,200`` their max X,Y,Z in mm, ``endstops=off``, ``endstops=none``: built
without them), the ``M503`` report and
``M500`` (store; ``eeprom=0``: built without it).
"""

from __future__ import annotations

from collections import deque

from .device import Device, Faults, Link

KEEPALIVE = 2.0  # seconds between "busy: processing" lines
_KNOWN = {"G0", "G1", "G2", "G3", "G4", "G20", "G21", "G28", "G90", "G91", "G92", "M3", "M4", "M5",
          "M42", "M82", "M83", "M105", "M106", "M107", "M110", "M114", "M400", "M410", "M155", "M104",
          "M109", "M140", "M190", "M84", "M18", "M2", "M30", "M117", "M118", "M115",
          "M302", "M218", "M203", "M211", "M500", "M503", "T0", "T1", "T2", "T3"}


def checksum(text: str) -> int:
    """Marlin's checksum: XOR of every byte before ``*``."""
    cs = 0
    for b in text.encode("ascii", "replace"):
        cs ^= b
    return cs


class MarlinDevice(Device):
    """Marlin as seen from its serial port (no motion model; commands take ``proc`` seconds)."""

    def __init__(self, *, link: Link | None = None, faults: Faults | None = None, seed: int = 0,
                 proc: float = 0.0, options: dict[str, str] | None = None) -> None:
        super().__init__(link=link, faults=faults, seed=seed, proc=proc)
        opts = options or {}
        self.bufsize = int(opts.get("bufsize", 4))
        self.rx_size = int(opts.get("rx", 128))
        self.temp = opts.get("temp", "0") == "1"
        self.advok = opts.get("advok", "0") == "1"
        self.resends = 0
        self.overflows = 0
        self.quick_stops = 0
        self.mpos = [0.0, 0.0, 0.0]  # machine position, mm (kept across resets: no homing model)
        self.g92 = [0.0, 0.0, 0.0]   # logical = machine - g92
        self.relative = False
        self.homed = 0
        # the limits M503 and M211 report (kept across resets: EEPROM and firmware)
        feed = float(opts.get("feed", 300))
        self.max_feed = {"X": feed, "Y": feed, "Z": 5.0, "E": 25.0}  # mm/s
        # soft endstops' max X,Y,Z mm, "off", or "none" (built without them: no M211)
        stops = opts.get("endstops", "200,200,200")
        self.soft_on = stops not in ("off", "none")
        self.soft_built = stops != "none"
        self.eeprom = opts.get("eeprom", "1") == "1"  # 0: built without EEPROM_SETTINGS (no M500)
        self.soft_max = tuple(float(v) for v in (stops if self.soft_on else "200,200,200").split(","))
        self.saves = 0
        self._power_on()

    def _power_on(self) -> None:
        self.rx = bytearray()
        self.partial = bytearray()
        # (command, received-line number, its N or None)
        self.queue: deque[tuple[str, int, int | None]] = deque()
        self.last_n = 0
        self.busy_until: float | None = None
        self.next_keepalive: float | None = None
        self.next_temp: float | None = self.t + 1.0 if self.temp else None
        self.halted = False
        self.current_n = -1  # received-line number of the command being executed
        self.current_seq: int | None = None
        self.queue_reply = ""  # text that rides on the next ok (M105's temperatures)
        self.spindle, self.power, self.fan, self.pins = 5, 0.0, 0.0, {}
        self.hotends: dict[int, float] = {}  # tool -> target degC
        self.bed = 0.0
        self.tool = 0
        self.e = 0.0  # the extruder's logical position (mm)
        self.extruded = 0.0  # filament/ink pushed since power-on (mm, net)
        self.e_relative = False
        self.relative = False
        self._laser()

    def boot(self) -> None:
        self.emit("start")
        self.emit("echo:Marlin 2.1.2.1")
        self.emit(f"echo: BUFSIZE:{self.bufsize} RX:{self.rx_size}")

    def reconnect(self) -> None:
        """Opening the port resets the board (DTR): outputs off, fresh start-up lines."""
        super().reconnect()
        self._power_on()
        self.boot()

    @property
    def valves_off(self) -> bool:
        """Fan/valve outputs (M106, M42 pins) all off."""
        return self.fan == 0 and not any(self.pins.values())

    @property
    def heaters_off(self) -> bool:
        """Every hotend and the bed at target 0."""
        return self.bed == 0 and not any(self.hotends.values())

    @property
    def outputs_off(self) -> bool:
        """Laser/spindle, heaters, fan and pins all off: the machine is safe."""
        return self.valves_off and self.heaters_off and not self.laser_on

    # ----- serial ------------------------------------------------------------------------------
    def on_byte(self, b: int) -> None:
        if len(self.rx) < self.rx_size:
            self.rx.append(b)
        else:
            self.overflows += 1
        self._read_serial()

    def _read_serial(self) -> None:
        while self.rx and len(self.queue) < self.bufsize and not self.halted:
            c = self.rx.pop(0)
            if c in (10, 13):
                text = self.partial.decode("ascii", "replace").strip()
                self.partial = bytearray()
                if text:
                    self._line(text)
            else:
                self.partial.append(c)
        self._run()

    def _line_error(self, message: str) -> None:
        self.resends += 1
        self.emit(f"Error:{message}, Last Line: {self.last_n}")
        self.rx.clear()
        self.partial = bytearray()
        self.emit(f"Resend: {self.last_n + 1}")
        self.emit("ok")

    def _line(self, text: str) -> None:
        if "M110" not in text:  # faults count job lines, not the numbering reset
            self.lines_received += 1
        n_line = self.lines_received if "M110" not in text else -1
        if self.faults.disconnect_at == n_line:
            self.injected.append(("disconnect", n_line))
        if self.faults.reset_at == n_line:  # a brown-out or watchdog: everything is lost
            self.injected.append(("reset", n_line))
            self._power_on()
            self.boot()
            return
        if self.faults.alarm_at == n_line:
            self.injected.append(("alarm", n_line))
            self.emit("Error:Printer halted. kill() called!")
            self.halted = True
            self.queue.clear()
            self.spindle, self.power, self.fan, self.pins = 5, 0.0, 0.0, {}
            self._laser()
            return
        if text.startswith("N"):
            head, star, cs = text.partition("*")
            num = head[1:].split(" ", 1)[0]
            body = head[1 + len(num):].strip()
            if not star:
                return self._line_error("No Checksum with line number")
            if n_line in self.faults.error_at:
                self.injected.append(("error", n_line))
                return self._line_error("checksum mismatch")
            try:
                n, good = int(num), int(cs.strip()) == checksum(head)
            except ValueError:
                n, good = -1, False
            if not good:
                return self._line_error("checksum mismatch")
            if body.startswith("M110"):
                parts = [w for w in body.split() if w.startswith("N")]
                self.last_n = int(parts[0][1:]) if parts else n
                self.queue.append((body, n_line, None))
                return
            if n != self.last_n + 1:
                return self._line_error("Line Number is not Last Line Number+1")
            self.last_n = n
            seq = n
            text = body
        elif "*" in text:
            return self._line_error("No Line Number with checksum")
        else:
            seq = None
        if "M410" in text.split():
            self.quick_stops += 1  # the emergency parser acts before the queue
        self.queue.append((text, n_line, seq))
        if self.faults.disconnect_at == n_line:
            self.disconnect()

    # ----- execution ---------------------------------------------------------------------------
    def timer(self) -> float | None:
        times = [x for x in (self.busy_until, self.next_keepalive, self.next_temp) if x is not None]
        return min(times) if times else None

    def on_timer(self) -> None:
        if self.next_temp is not None and self.next_temp <= self.t:
            self.emit(" T:25.00 /0.00 B:24.80 /0.00 @:0 B@:0")
            self.next_temp = self.t + 1.0
        if self.next_keepalive is not None and self.next_keepalive <= self.t:
            self.emit("busy: processing")
            self.next_keepalive = self.t + KEEPALIVE
        if self.busy_until is not None and self.busy_until <= self.t:
            self.busy_until = self.next_keepalive = None
            self._ok()
            self._read_serial()

    def _run(self) -> None:
        while self.queue and self.busy_until is None and not self.halted:
            cmd, n_line, self.current_seq = self.queue.popleft()
            self.current_n = n_line
            self._execute(cmd)
            extra = self.faults.busy_at.get(n_line, 0.0)
            duration = self.proc + extra
            if duration > 0:
                self.busy_until = self.t + duration
                if extra:
                    self.next_keepalive = self.t + KEEPALIVE
            else:
                self._ok()
            if self.rx and len(self.queue) < self.bufsize:
                self._read_serial()
                return

    def _ok(self) -> None:
        text = "ok"
        if self.advok:  # Marlin 2 names the acknowledged line (when it had one) and the room left
            n = f" N{self.current_seq}" if self.current_seq is not None else ""
            text = f"ok{n} P15 B{self.bufsize - len(self.queue)}"
        if self.queue_reply:
            text, self.queue_reply = f"{text} {self.queue_reply}", ""
        reply = self.ack(self.current_n, text)
        if reply is not None:
            self.emit(reply)

    def _execute(self, cmd: str) -> None:
        words = cmd.split()
        code = words[0].upper() if words else ""
        if len(code) > 1 and code[0] == "T" and code[1:].isdigit():
            self.tool = int(code[1:])
            self.executed.append(cmd)
            return
        if code not in _KNOWN or (code == "M211" and not self.soft_built) or (
                code == "M500" and not self.eeprom):
            self.emit(f'echo:Unknown command: "{cmd}"')
            return
        if code != "M110":  # numbering housekeeping, not part of a job
            self.executed.append(cmd)
        args = {w[0].upper(): _number(w[1:]) for w in words[1:] if w}
        if code in ("M3", "M4"):
            self.spindle, self.power = int(code[1]), args.get("S", self.power)
        elif code in ("G1", "G2", "G3") and "S" in args and self.spindle in (3, 4):
            self.power = args["S"]  # LASER_POWER_INLINE: S on moves sets power
        elif code == "M5":
            self.spindle, self.power = 5, 0.0
        elif code == "M106":
            self.fan = args.get("S", 255.0)
        elif code == "M107":
            self.fan = 0.0
        elif code == "M42" and "P" in args:
            self.pins[f"{args['P']:g}"] = args.get("S", 0.0)
        elif code == "M110" and "N" in args:
            self.last_n = int(args["N"])
        elif code in ("M104", "M109"):
            self.hotends[int(args.get("T", self.tool))] = args.get("S", 0.0)
        elif code in ("M140", "M190"):
            self.bed = args.get("S", 0.0)
        elif code == "M105":
            temps = " ".join(f"T{t}:{v:.2f} /{v:.2f}" for t, v in sorted(self.hotends.items()))
            self.queue_reply = f"T:{self.hotends.get(self.tool, 0.0):.2f} /0.00 B:{self.bed:.2f} " \
                               f"/{self.bed:.2f} {temps}".strip()
        elif code in ("M82", "M83"):
            self.e_relative = code == "M83"
        elif code in ("M203", "M211", "M500", "M503"):
            self._settings(code, args)
        else:
            self._position(code, args)
        self._laser()

    def _settings(self, code: str, args: dict[str, float]) -> None:
        """M203 (max feed rates, mm/s), the M503 and M211 reports, M500 (store)."""
        f = self.max_feed
        if code == "M203":
            for axis in f:
                if axis in args:
                    f[axis] = args[axis]
        elif code == "M500":
            self.saves += 1
            self.emit("echo:Settings Stored (662 bytes; crc 53479)")
        elif code == "M211":
            lo = "X0.00 Y0.00 Z0.00"
            hi = " ".join(f"{a}{v:.2f}" for a, v in zip("XYZ", self.soft_max, strict=True))
            self.emit(f"echo:Soft endstops: {'ON' if self.soft_on else 'OFF'}  Min: {lo}  Max: {hi}")
        else:  # M503: the part of the report a DIW gantry cares about
            for line in ("; Linear Units:", "  G21 ; (mm)", "; Steps per unit:",
                         "  M92 X80.00 Y80.00 Z400.00 E100.00", "; Max feedrates (units/s):",
                         "  M203 " + " ".join(f"{a}{v:.2f}" for a, v in f.items()),
                         "; Max Acceleration (units/s2):",
                         "  M201 X3000.00 Y3000.00 Z100.00 E10000.00"):
                self.emit("echo:" + line)

    def _position(self, code: str, args: dict[str, float]) -> None:
        """Moves, homing, G92 and the M114/M115 reports (no motion timing)."""
        if code in ("G90", "G91"):
            self.relative = self.e_relative = code == "G91"
        elif code == "G28":
            self.mpos, self.g92 = [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]
            self.homed += 1
        elif code == "G92":
            for i, a in enumerate("XYZ"):
                if a in args:
                    self.g92[i] = self.mpos[i] - args[a]
            if "E" in args:
                self.e = args["E"]
        elif code in ("G0", "G1", "G2", "G3"):
            if "E" in args:
                delta = args["E"] if self.e_relative else args["E"] - self.e
                self.e += delta
                self.extruded += delta
            for i, a in enumerate("XYZ"):
                if a in args:
                    self.mpos[i] = self.mpos[i] + args[a] if self.relative else args[a] + self.g92[i]
        elif code == "M114":
            x, y, z = (m - o for m, o in zip(self.mpos, self.g92, strict=True))
            self.emit(f"X:{x:.2f} Y:{y:.2f} Z:{z:.2f} E:0.00 Count X:{round(self.mpos[0] * 80)} "
                      f"Y:{round(self.mpos[1] * 80)} Z:{round(self.mpos[2] * 400)}")
        elif code == "M115":
            self.emit("FIRMWARE_NAME:Marlin 2.1.2.1 (Github) SOURCE_CODE_URL:github.com/MarlinFirmware/"
                      "Marlin PROTOCOL_VERSION:1.0 MACHINE_TYPE:DIW EXTRUDER_COUNT:2")

    def _laser(self) -> None:
        on = self.spindle in (3, 4) and self.power > 0
        self.record_laser(on, self.power if on else 0.0)


def _number(text: str) -> float:
    """Marlin's lenient number parse: the leading numeric part, 0 when there is none."""
    end = 0
    while end < len(text) and (text[end].isdigit() or text[end] in "+-."):
        end += 1
    try:
        return float(text[:end])
    except ValueError:
        return 0.0
