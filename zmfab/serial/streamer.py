"""One streaming state machine for GRBL and Marlin, with an injectable clock and transport.

States: connecting -> streaming <-> paused -> draining -> done, or -> stopping -> aborted.
Events (``Event.kind``): sent, ack, error, status, message, resend, progress, paused, resumed,
reconnected, safe_stop, aborted, done. Any exception after the first byte of the job was sent ends
in the dialect's safe stop (GRBL: feed hold + soft reset; Marlin: M410 then outputs off) while the
link still works; a lost link is reopened once first (``reopen_on_loss``), which resets
Arduino-based controllers.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import DeviceError, ParameterError
from .grbl import GrblDialect
from .jobscan import resume_preamble, scan
from .marlin import MarlinDialect
from .protocol import Event, Item, Link
from .transport import Clock, LinkClosed, MonotonicClock, Transport

JOB_SUFFIXES = (".gcode", ".nc", ".txt", ".ngc", ".gc", ".g")


class StreamAborted(DeviceError):
    """The job was stopped (by the user, an error policy or a fault); the safe stop was sent."""


def load_job(path: str | Path) -> list[str]:
    """The lines of a job file (G-code: .gcode/.nc/.txt/.ngc/.gc/.g), without line ends.

    Line ``i`` of the list is line ``i+1`` of the file, so ``--from-line`` and error messages
    name file lines. Design files (.toml) are turned into G-code once ``zmfab.gcode`` offers it.
    """
    p = Path(path)
    if not p.is_file():
        raise ParameterError("job", f"{p}: no such file")
    if p.suffix.lower() == ".toml":
        try:
            from ..gcode import job_lines_from_design  # type: ignore[attr-defined]
        except ImportError as exc:
            raise ParameterError("job", f"{p}: streaming a design file needs zmfab.gcode "
                                 "(not available yet); export G-code first") from exc
        return list(job_lines_from_design(p))
    if p.suffix.lower() not in JOB_SUFFIXES:
        raise ParameterError("job", f"{p}: not a G-code file (expected {', '.join(JOB_SUFFIXES)})")
    try:
        return p.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        raise ParameterError("job", f"{p}: {exc.strerror}") from exc


def make_dialect(name: str, **options: Any) -> GrblDialect | MarlinDialect:
    """``grbl`` or ``marlin`` with their options (mode, bufsize, timeouts, off_codes)."""
    if name == "grbl":
        return GrblDialect(**{k: v for k, v in options.items() if k in
                              ("mode", "rx_limit", "banner_timeout", "reply_timeout")})
    if name == "marlin":
        return MarlinDialect(**{k: v for k, v in options.items() if k in
                                ("bufsize", "start_timeout", "reply_timeout", "off_codes")})
    raise ParameterError("--firmware", f"{name!r} is not grbl or marlin")


@dataclass
class StreamResult:
    """What happened: lines sent/acknowledged, errors (line, text) and modelled/wall seconds."""

    total: int = 0
    sent: int = 0
    acked: int = 0
    resends: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    elapsed: float = 0.0
    dry_run: bool = False
    max_in_flight_bytes: int = 0


class Streamer:
    """Streams a job through a dialect over a transport; see the module docstring."""

    def __init__(self, transport: Transport, *, dialect: GrblDialect | MarlinDialect,
                 clock: Clock | None = None, on_event: Callable[[Event], None] | None = None,
                 on_pause: Callable[[str], str] | None = None, on_error: str = "stop",
                 poll_interval: float = 0.25, timeout: float = 10.0, stall: float = 2.0,
                 resync_quiet: float = 0.05, progress_every: float = 0.2,
                 reopen_on_loss: bool = True) -> None:
        if on_error not in ("stop", "ask"):
            raise ParameterError("--on-error", f"{on_error!r} is not stop or ask")
        self.dialect = dialect
        self.clock = clock or MonotonicClock()
        self._sink = on_event or (lambda e: None)
        self.link = Link(transport, self.clock, self._sink)
        self.on_pause, self.on_error = on_pause, on_error
        self.poll_interval, self.timeout, self.stall = poll_interval, timeout, stall
        self.resync_quiet, self.progress_every = resync_quiet, progress_every
        self.reopen_on_loss = reopen_on_loss
        self.state = "idle"
        self.result = StreamResult()

    # ----- public ------------------------------------------------------------------------------
    def run(self, lines: list[str], *, from_line: int | None = None, dry_run: bool = False,
            estimate_s: float | None = None) -> StreamResult:
        """Connect, check the job against the machine, stream it, and return what happened."""
        link, d = self.link, self.dialect
        self.result = res = StreamResult(dry_run=dry_run)
        self._estimate, self._t0, self._started = estimate_s, self.clock.now(), False
        try:
            self.state = "connecting"
            d.connect(link)
            start = from_line or 1
            items = [Item(i, t) for i, t in ((n, d.clean(raw)) for n, raw in
                                             enumerate(lines[start - 1:], start)) if t]
            d.check_job(items, scan(lines), port=link.name)
            if from_line:
                laser_mode = isinstance(d, GrblDialect) and d.settings.get(32, 0) == 1
                pre = resume_preamble(lines, from_line, dialect=d.name, restore_power=laser_mode)
                items = [Item(0, d.clean(t)) for t in pre] + items
            res.total = len(items)
            if dry_run:
                d.begin_dry_run(link)
            self._started = True
            self.state = "streaming"
            self._stream(items, dry_run=dry_run)
            if dry_run:
                d.end_dry_run(link)
            elif d.polls:
                self._drain()
            self.state = "done"
            res.elapsed = self.clock.now() - self._t0
            self._progress(force=True)
            link.event("done", data={"acked": res.acked, "errors": len(res.errors),
                                     "elapsed": res.elapsed})
            return res
        except BaseException as exc:
            res.elapsed = self.clock.now() - self._t0
            if self._started:
                self._abort(exc)
            raise

    # ----- the loop ----------------------------------------------------------------------------
    def _stream(self, items: list[Item], *, dry_run: bool) -> None:
        link, d, res = self.link, self.dialect, self.result
        frames = [d.frame(it, i + 1) for i, it in enumerate(items)]
        in_flight: deque[tuple[int, int]] = deque()
        in_bytes = nxt = acked = 0
        swallow_ok, nudged = False, False
        resync_to: int | None = None
        resync_at = 0.0
        echo_next = 0
        next_poll = self.clock.now()
        self._last_ack = self.clock.now()
        while acked < len(items):
            if self.state == "streaming" and resync_to is None:
                while nxt < len(items) and d.can_send(len(in_flight), in_bytes, len(frames[nxt])):
                    if in_flight and (items[nxt].text.startswith("$")
                                      or items[in_flight[-1][0]].text.startswith("$")):
                        break  # GRBL: '$' lines (EEPROM writes, homing) go one at a time
                    link.write(frames[nxt])
                    in_flight.append((nxt, len(frames[nxt])))
                    in_bytes += len(frames[nxt])
                    res.max_in_flight_bytes = max(res.max_in_flight_bytes, in_bytes)
                    res.sent += 1
                    link.event("sent", items[nxt].line, frames[nxt].decode().rstrip("\n"))
                    nxt += 1
            now = self.clock.now()
            if d.polls and now >= next_poll:
                d.poll(link)
                next_poll = now + self.poll_interval
            waits = [self.timeout - (now - link.last_rx)]
            if d.polls:
                waits.append(next_poll - now)
            if resync_to is not None:
                waits.append(resync_at - now)
            try:
                raw = link.read(max(0.0, min(waits)))
            except KeyboardInterrupt:
                self._pause("interrupted by user", self._line_of(items, in_flight, nxt))
                continue
            now = self.clock.now()
            if raw is None:
                if resync_to is not None and now >= resync_at:
                    nxt, resync_to = resync_to, None
                elif in_flight and now - link.last_rx >= self.timeout:
                    line = items[in_flight[0][0]].line
                    if d.name == "marlin" and not nudged:  # a lost newline: end the partial line
                        nudged = True
                        link.write(b"\n")
                        link.last_rx = now
                        continue
                    raise DeviceError(f"line {line}: no reply within {self.timeout:g}s "
                                      f"(port {link.name} stopped answering)")
                continue
            r = d.classify(raw)
            if r.kind == "ok":
                nudged = False
                if swallow_ok:
                    swallow_ok = False
                    continue
                if not in_flight:
                    link.event("message", text=raw, data={"note": "ok without a line in flight"})
                    continue
                idx, nb = in_flight.popleft()
                in_bytes -= nb
                acked = idx + 1
                res.acked = acked
                self._last_ack = now
                link.event("ack", items[idx].line, raw)
                self._progress()
            elif r.kind == "error" and d.name == "grbl":
                if not in_flight:
                    link.event("error", None, raw, data={"meaning": r.meaning})
                    continue
                idx, nb = in_flight.popleft()
                in_bytes -= nb
                acked = idx + 1
                res.acked = acked
                it = items[idx]
                what = f"line {it.line} ({it.text}): {d.describe(r)}"
                res.errors.append((it.line, d.describe(r)))
                link.event("error", it.line, raw, data={"code": r.code, "meaning": r.meaning})
                if not dry_run:
                    self._pause(what, it.line, error=True)
            elif r.kind == "resend":
                swallow_ok = True
                want = (r.code or 1) - 1
                link.event("resend", items[want].line if 0 <= want < len(items) else None, raw)
                if want < acked:
                    raise DeviceError(f"port {link.name}: Marlin asked again for acknowledged "
                                      f"line {items[max(want, 0)].line} (did it reset?)")
                while in_flight and in_flight[-1][0] >= want:
                    in_bytes -= in_flight.pop()[1]
                if want < nxt:  # wait for the stale lines' replies to stop, then rewind
                    res.resends += resync_to != want
                    resync_to, resync_at = want, now + self.resync_quiet
            elif r.kind in ("alarm", "banner") or r.fatal:
                line = self._line_of(items, in_flight, nxt)
                link.event("error", line, raw, data={"code": r.code, "meaning": r.meaning})
                raise DeviceError(f"line {line}: {d.describe(r)}")
            elif r.kind == "status":
                link.event("status", text=raw, data=r.data)
                if (in_flight and r.data.get("state") == "Idle" and self.state == "streaming"
                        and now - self._last_ack > self.stall
                        and "G4" not in items[in_flight[0][0]].text):  # a dwell reports Idle
                    line = items[in_flight[0][0]].line
                    raise DeviceError(f"line {line}: GRBL is idle but never answered this line "
                                      "(bytes lost on the link?)")
            elif r.kind == "echo":
                got = r.data["text"]
                if echo_next < len(items) and got != items[echo_next].text:
                    it = items[echo_next]
                    raise DeviceError(f"line {it.line}: corrupted on the link: sent {it.text!r}, "
                                      f"GRBL read {got!r}")
                echo_next += 1
            else:  # Marlin's non-fatal Error: lines, echo:, busy:, [MSG:], temperatures
                link.event("message", text=raw, data={"ignored": True} if r.kind == "ignore" else None)

    def _drain(self) -> None:
        """After the last ok GRBL still runs its planner: poll until it reports Idle."""
        link = self.link
        self.state = "draining"
        while True:
            self.dialect.poll(link)
            raw, _ = link.wait_for(lambda x: x.startswith("<") or x.startswith("ALARM:"),
                                   self.timeout)
            if raw is None:
                raise DeviceError(f"port {link.name}: no status while finishing the job")
            r = self.dialect.classify(raw)
            if r.kind == "alarm":
                raise DeviceError(f"end of job: {self.dialect.describe(r)}")
            link.event("status", text=raw, data=r.data)
            if r.data.get("state") in ("Idle", "Check"):
                return
            link.wait_for(lambda x: False, self.poll_interval)

    # ----- pause, abort, progress --------------------------------------------------------------
    def _pause(self, reason: str, line: int | None, *, error: bool = False) -> None:
        decision = "abort"
        if self.on_error == "ask" and self.on_pause is not None:
            self.dialect.hold(self.link)
            self.state = "paused"
            self.link.event("paused", line, reason)
            decision = self.on_pause(reason)
        if decision != "continue":
            raise StreamAborted(reason if error else f"line {line}: {reason}")
        self.dialect.resume(self.link)
        self.state = "streaming"
        self._last_ack = self.clock.now()
        self.link.event("resumed", line)

    def _abort(self, exc: BaseException) -> None:
        self.state = "stopping"
        reason = str(exc) or type(exc).__name__
        if isinstance(exc, LinkClosed) and not self._reopen():
            self.state = "aborted"
            self.link.event("aborted", text=reason)
            return
        try:
            how = self.dialect.safe_stop(self.link)
            self.link.event("safe_stop", text=how, data={"sent": True})
        except Exception as err:  # noqa: BLE001 - report, then raise the original
            self.link.event("safe_stop", text=f"failed: {err}", data={"sent": False})
        self.state = "aborted"
        self.link.event("aborted", text=reason)

    def _reopen(self) -> bool:
        """After a lost link, open the port once more: on Arduino-based controllers that resets
        the firmware (DTR), which turns the laser off; then the safe stop can follow."""
        reopen = getattr(self.link.transport, "reopen", None) if self.reopen_on_loss else None
        if reopen is None:
            self.link.event("safe_stop", text="not sent: link is down", data={"sent": False})
            return False
        try:
            reopen()
        except Exception as err:  # noqa: BLE001 - the port may be gone for good
            self.link.event("safe_stop", text=f"not sent: link is down ({err})", data={"sent": False})
            return False
        self.link.event("reconnected", text=self.link.name)
        return True

    def _progress(self, *, force: bool = False) -> None:
        now = self.clock.now()
        if not force and now - getattr(self, "_last_progress", -1e9) < self.progress_every:
            return
        self._last_progress = now
        res = self.result
        frac = res.acked / res.total if res.total else 1.0
        elapsed = now - self._t0
        eta = None
        if frac > 0:
            measured = elapsed / frac
            total = measured if self._estimate is None else (
                (1 - frac) * self._estimate + frac * measured)
            eta = max(0.0, total - elapsed)
        elif self._estimate is not None:
            eta = self._estimate
        self.link.event("progress", data={"acked": res.acked, "total": res.total,
                                          "percent": round(100 * frac, 1), "elapsed": elapsed,
                                          "eta": eta})

    @staticmethod
    def _line_of(items: list[Item], in_flight: deque[tuple[int, int]], nxt: int) -> int | None:
        if in_flight:
            return items[in_flight[0][0]].line
        return items[nxt - 1].line if nxt else None

