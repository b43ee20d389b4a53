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
from difflib import SequenceMatcher
from typing import Any

from ..errors import DeviceError, ParameterError
from .grbl import GrblDialect
from .jobscan import resume_preamble, scan
from .marlin import MarlinDialect
from .protocol import Event, Item, Link, Reply
from .transport import Clock, LinkClosed, MonotonicClock, Transport


class StreamAborted(DeviceError):
    """The job was stopped (by the user, an error policy or a fault); the safe stop was sent."""


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


@dataclass
class _Window:
    """The loop's explicit state: the lines in flight (index, bytes), the next line to send,
    and the resend bookkeeping. Indexes are into ``items``; Marlin line numbers are index + 1."""

    items: list[Item]
    dry_run: bool = False
    in_flight: deque[tuple[int, int]] = field(default_factory=deque)
    in_bytes: int = 0
    nxt: int = 0
    acked: int = 0
    swallow_ok: int = 0
    nudged: bool = False
    resync_to: int | None = None
    resync_at: float = 0.0
    echo_next: int = 0

    def pop_oldest(self) -> int:
        idx, nbytes = self.in_flight.popleft()
        self.in_bytes -= nbytes
        self.acked = idx + 1
        return idx

    def current_line(self) -> int | None:
        """The job line being worked on: the oldest in flight, else the last sent."""
        if self.in_flight:
            return self.items[self.in_flight[0][0]].line
        return self.items[self.nxt - 1].line if self.nxt else None


class Streamer:
    """Streams a job through a dialect over a transport; see the module docstring."""

    def __init__(self, transport: Transport, *, dialect: GrblDialect | MarlinDialect,
                 clock: Clock | None = None, on_event: Callable[[Event], None] | None = None,
                 on_pause: Callable[[str], str] | None = None, on_error: str = "stop",
                 poll_interval: float = 0.25, timeout: float = 10.0, stall: float = 2.0,
                 resync_quiet: float = 0.05, progress_every: float = 0.2,
                 reopen_on_loss: bool = True,
                 interrupted: Callable[[], bool] | None = None) -> None:
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
        self.interrupted = interrupted  # polled each turn: True = the user asked to pause
        self.state = "idle"
        self.result = StreamResult()

    # ----- public ------------------------------------------------------------------------------
    def run(self, lines: list[str], *, from_line: int | None = None, dry_run: bool = False,
            estimate_s: float | None = None) -> StreamResult:
        """Connect, check the job against the machine, stream it, and return what happened."""
        link, d = self.link, self.dialect
        self.result = res = StreamResult(dry_run=dry_run)
        self._estimate, self._t0, self._started = estimate_s, self.clock.now(), False
        self._window: _Window | None = None
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
            self._t0 = self.clock.now()  # job time counts from the first line, not the handshake
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
            line = self._window.current_line() if self._window else None
            if isinstance(exc, LinkClosed) and line is not None:
                raise LinkClosed(f"line {line}: {exc}") from exc
            raise

    # ----- the loop ----------------------------------------------------------------------------
    def _stream(self, items: list[Item], *, dry_run: bool) -> None:
        """Send while the window allows, read one reply (or time out), act on it; repeat."""
        w = self._window = _Window(items, dry_run=dry_run)
        self._last_ack = next_poll = self.clock.now()
        link, d = self.link, self.dialect
        while w.acked < len(items):
            if self.interrupted is not None and self.interrupted():
                self._pause("interrupted by user", w.current_line())
            if self.state == "streaming" and w.resync_to is None:
                self._fill(w)
            now = self.clock.now()
            if d.polls and now >= next_poll:
                d.poll(link)
                next_poll = now + self.poll_interval
            waits = [self.timeout - (now - link.last_rx)] if w.in_flight else [self.timeout]
            if d.polls:
                waits.append(next_poll - now)
            if w.resync_to is not None:
                waits.append(w.resync_at - now)
            try:
                raw = link.read(max(0.0, min(waits)))
            except KeyboardInterrupt:
                self._pause("interrupted by user", w.current_line())
                continue
            if raw is None:
                self._on_quiet(w)
            else:
                self._on_reply(w, raw)

    def _fill(self, w: _Window) -> None:
        d, items = self.dialect, w.items
        while w.nxt < len(items):
            data = d.frame(items[w.nxt], w.nxt + 1)
            if not d.can_send(len(w.in_flight), w.in_bytes, len(data)):
                return
            if w.in_flight and (items[w.nxt].text.startswith("$")
                                or items[w.in_flight[-1][0]].text.startswith("$")):
                return  # GRBL: '$' lines (EEPROM writes, homing) go one at a time
            self.link.write(data)
            w.in_flight.append((w.nxt, len(data)))
            w.in_bytes += len(data)
            self.result.sent += 1
            self.result.max_in_flight_bytes = max(self.result.max_in_flight_bytes, w.in_bytes)
            self.link.event("sent", items[w.nxt].line, data.decode().rstrip("\n"))
            w.nxt += 1

    def _on_quiet(self, w: _Window) -> None:
        """No reply within the wait: end a resend pause, nudge Marlin once, or give up."""
        now, link = self.clock.now(), self.link
        if w.resync_to is not None and now >= w.resync_at:
            w.nxt, w.resync_to = w.resync_to, None
        elif w.in_flight and now - link.last_rx >= self.timeout:
            if self.dialect.name == "marlin" and not w.nudged:
                w.nudged = True  # a lost newline leaves a partial line: a bare newline ends it
                link.write(b"\n")
                link.last_rx = now
                return
            raise DeviceError(f"line {w.current_line()}: no reply within {self.timeout:g}s "
                              f"(port {link.name} stopped answering)")
        elif not w.in_flight and w.resync_to is None and w.nxt >= len(w.items):
            raise DeviceError(f"port {link.name}: stream stalled with {len(w.items) - w.acked} "
                              "line(s) unacknowledged")  # defensive: should not happen

    def _on_reply(self, w: _Window, raw: str) -> None:
        r = self.dialect.classify(raw)
        link, d = self.link, self.dialect
        if r.kind == "ok":
            w.nudged = False
            if w.swallow_ok:  # the ok after a Resend: or after debris acknowledges nothing
                w.swallow_ok -= 1
            elif not w.in_flight:
                link.event("message", text=raw, data={"note": "ok without a line in flight"})
            else:
                it = w.items[w.pop_oldest()]
                self.result.acked = w.acked
                self._last_ack = self.clock.now()
                link.event("ack", it.line, raw)
                self._progress()
        elif r.kind == "error" and d.name == "grbl":
            self._on_grbl_error(w, r)
        elif r.kind == "resend":
            self._on_resend(w, r)
        elif r.kind == "unknown":
            self._on_unknown(w, r)
        elif r.kind in ("alarm", "banner") or r.fatal:
            line = w.current_line()
            link.event("error", line, raw, data={"code": r.code, "meaning": r.meaning})
            raise DeviceError(f"line {line}: {d.describe(r)}")
        elif r.kind == "status":
            link.event("status", text=raw, data=r.data)
            if (w.in_flight and r.data.get("state") == "Idle" and self.state == "streaming"
                    and self.clock.now() - self._last_ack > self.stall
                    and "G4" not in w.items[w.in_flight[0][0]].text):  # a dwell reports Idle
                raise DeviceError(f"line {w.current_line()}: GRBL is idle but never answered "
                                  "this line (bytes lost on the link?)")
        elif r.kind == "echo":
            it = w.items[w.echo_next] if w.echo_next < len(w.items) else None
            if it is not None and r.data["text"] != it.text:
                raise DeviceError(f"line {it.line}: corrupted on the link: sent {it.text!r}, "
                                  f"GRBL read {r.data['text']!r}")
            w.echo_next += 1
        else:  # Marlin's non-fatal Error: lines, echo:, busy:, [MSG:], temperatures
            link.event("message", text=raw, data={"ignored": True} if r.kind == "ignore" else None)

    def _on_grbl_error(self, w: _Window, r: Reply) -> None:
        """``error:N`` answers (and ends) the oldest line in flight: record, then pause or stop."""
        if not w.in_flight:
            self.link.event("error", None, r.raw, data={"code": r.code, "meaning": r.meaning})
            return
        it = w.items[w.pop_oldest()]
        self.result.acked = w.acked
        what = self.dialect.describe(r)
        self.result.errors.append((it.line, what))
        self.link.event("error", it.line, r.raw, data={"code": r.code, "meaning": r.meaning})
        if not w.dry_run:
            self._pause(f"line {it.line} ({it.text}): {what}", it.line, error=True)

    def _on_unknown(self, w: _Window, r: Reply) -> None:
        """Marlin's ``echo:Unknown command: "X"`` comes before the ok of line X. If X is (close
        to) the job line in flight, Marlin took that line but cannot run it (unsupported, or
        mangled by faults the XOR checksum missed): record, then pause or stop. Otherwise X is
        debris of a line Marlin flushed on a resend: it ran nothing, its ok acknowledges
        nothing."""
        it = w.items[w.in_flight[0][0]] if w.in_flight else None
        got = r.data.get("text", "")
        if it is None or (got != it.text
                          and SequenceMatcher(None, got, it.text).ratio() < 0.75):
            w.swallow_ok += 1
            self.link.event("message", text=r.raw, data={"note": "debris after a resend"})
            return
        what = self.dialect.describe(r)
        if got != it.text:  # two faults that cancel in the XOR checksum: Marlin took a bad line
            what = f"corrupted on the link: sent {it.text!r}, Marlin read {got!r}"
        self.result.errors.append((it.line, what))
        self.link.event("error", it.line, r.raw, data={"meaning": r.meaning})
        if not w.dry_run:
            self._pause(f"line {it.line} ({it.text}): {what}", it.line, error=True)

    def _on_resend(self, w: _Window, r: Reply) -> None:
        """Marlin wants line N again: forget what is in flight from N on, wait until the stale
        lines' replies stop (Marlin flushed or rejects them), then send again from N."""
        w.swallow_ok += 1
        want = (r.code or 1) - 1
        items = w.items
        self.link.event("resend", items[want].line if 0 <= want < len(items) else None, r.raw)
        if want < w.acked:
            raise DeviceError(f"port {self.link.name}: Marlin asked again for acknowledged "
                              f"line {items[max(want, 0)].line} (did it reset?)")
        while w.in_flight and w.in_flight[-1][0] >= want:
            w.in_bytes -= w.in_flight.pop()[1]
        if want < w.nxt:
            self.result.resends += w.resync_to != want
            w.resync_to, w.resync_at = want, self.clock.now() + self.resync_quiet

    def _drain(self) -> None:
        """After the last ok GRBL still runs its planner: poll until it reports Idle."""
        link, d = self.link, self.dialect
        self.state = "draining"
        next_poll = self.clock.now()
        while True:
            now = self.clock.now()
            if now >= next_poll:
                d.poll(link)
                next_poll = now + self.poll_interval
            if now - link.last_rx > self.timeout:
                raise DeviceError(f"port {link.name}: no status while finishing the job")
            raw = link.read(max(0.0, min(next_poll - now, self.timeout)))
            if raw is None:
                continue
            r = d.classify(raw)
            if r.kind in ("alarm", "banner") or r.fatal:
                raise DeviceError(f"end of job: {d.describe(r)}")
            if r.kind != "status":
                link.event("message", text=raw)
                continue
            link.event("status", text=raw, data=r.data)
            if r.data.get("state") in ("Idle", "Check"):
                return

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


