"""One streaming state machine for GRBL and Marlin, with an injectable clock and transport.

States: idle -> connecting -> streaming <-> paused -> draining -> done, or -> stopping -> aborted.
Events (``Event.kind``): preamble, sent, ack, ack-lost, probe, error, status, unparsed, message,
resend, progress, paused, resumed, reconnected, safe_stop, aborted, done. Every way a job ends
after its first byte was sent (an error, a stop request from a signal, Ctrl-C, a lost link, a bug)
runs the dialect's safe stop while the link still works; a lost link is reopened once first
(``reopen_on_loss``), which resets Arduino-based controllers. The record (:class:`StreamResult`)
says which lines are known to have run and where to resume.
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from difflib import SequenceMatcher
from typing import Any

from ..errors import DeviceError, ParameterError
from .grbl import GrblDialect
from .jobscan import move_times, scan
from .marlin import MarlinDialect
from .outputs import Outputs
from .protocol import Event, Item, Link, Reply
from .record import StreamAborted, StreamInterrupted, StreamResult
from .resume import resume_plan
from .transport import Clock, LinkClosed, MonotonicClock, Transport
from .watch import Watch
from .window import Window

__all__ = ["StreamAborted", "StreamInterrupted", "StreamResult", "Streamer", "make_dialect"]


def make_dialect(name: str, **options: Any) -> GrblDialect | MarlinDialect:
    """``grbl`` or ``marlin`` with their options (mode, bufsize, timeouts, off_codes)."""
    if name == "grbl":
        return GrblDialect(**{k: v for k, v in options.items() if k in
                              ("mode", "rx_limit", "banner_timeout", "reply_timeout")})
    if name == "marlin":
        return MarlinDialect(**{k: v for k, v in options.items() if k in
                                ("bufsize", "start_timeout", "reply_timeout", "off_codes")})
    raise ParameterError("--firmware", f"{name!r} is not grbl or marlin")


class Streamer:
    """Streams a job through a dialect over a transport; see the module docstring."""

    def __init__(self, transport: Transport, *, dialect: GrblDialect | MarlinDialect,
                 clock: Clock | None = None, on_event: Callable[[Event], None] | None = None,
                 on_pause: Callable[[str], str] | None = None, on_error: str = "stop",
                 poll_interval: float = 0.25, timeout: float = 10.0, stall: float = 5.0,
                 resync_quiet: float = 0.05, progress_every: float = 0.2,
                 reopen_on_loss: bool = True, probe_after: float = 3.0,
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
        self.reopen_on_loss, self.probe_after = reopen_on_loss, probe_after
        self.interrupted = interrupted  # polled each turn: True = the user asked to pause
        self.state = "idle"
        self.result = StreamResult()
        self._stop: tuple[str, int | None] | None = None
        self._window: Window | None = None

    # ----- public ------------------------------------------------------------------------------
    def request_stop(self, reason: str, *, signum: int | None = None) -> None:
        """Ask the running job to stop (safe from a signal handler): the loop raises
        :class:`StreamInterrupted` at its next turn, which runs the safe stop."""
        self._stop = (reason, signum)

    def run(self, lines: list[str], *, from_line: int | None = None, dry_run: bool = False,
            estimate_s: float | None = None) -> StreamResult:
        """Connect, check the job against the machine, stream it, and return what happened."""
        link, d = self.link, self.dialect
        self.result = res = StreamResult(dry_run=dry_run)
        self._estimate, self._t0, self._started = estimate_s, self.clock.now(), False
        self._window = None
        d.outputs = Outputs()
        try:
            self.state = "connecting"
            self._check_stop()
            d.connect(link)
            items, moves = self._items(lines, from_line)
            res.total, res.job_total = len(items), sum(1 for it in items if it.line)
            if dry_run:
                d.begin_dry_run(link)
            self._started = True
            self._t0 = self.clock.now()  # job time counts from the first line, not the handshake
            self.state = "streaming"
            self._stream(items, moves, dry_run=dry_run)
            if dry_run:
                d.end_dry_run(link)
            elif d.polls:
                self.watch.drain()
            self.state = "done"
            res.finished = True
            self._window.all_done()
            self._record()
            res.elapsed = self.clock.now() - self._t0
            self._progress(force=True)
            link.event("done", data={"acked": res.acked, "errors": len(res.errors),
                                     "elapsed": res.elapsed})
            return res
        except BaseException as exc:
            res.elapsed = self.clock.now() - self._t0
            if self._started:
                self._abort(exc)
            self._record()
            line = self._window.current_line() if self._window else None
            where = f"line {line}: " if line is not None else ""
            if isinstance(exc, LinkClosed) and where:
                raise LinkClosed(f"{where}{exc}") from exc
            if isinstance(exc, KeyboardInterrupt):
                raise StreamInterrupted(f"{where}interrupted by user",
                                        signum=signal.SIGINT) from exc
            raise

    # ----- set-up ------------------------------------------------------------------------------
    def _items(self, lines: list[str], from_line: int | None) -> tuple[list[Item], list[float]]:
        """The items to send (the resume preamble first) and each one's estimated motion time."""
        d = self.dialect
        start = from_line or 1
        items = [Item(i, t) for i, t in ((n, d.clean(raw)) for n, raw in
                                         enumerate(lines[start - 1:], start)) if t]
        d.check_job(items, scan(lines), port=self.link.name)
        per_line = move_times(lines, rapid=d.rapid())
        moves = [per_line[it.line - 1] for it in items]
        if from_line:
            laser_mode = isinstance(d, GrblDialect) and d.settings.get(32, 0) == 1
            plan = resume_plan(lines, from_line, dialect=d.name, restore_power=laser_mode)
            if plan.first_motion:  # GRBL sets an arc mode only with a move: the line carries it
                items = [Item(it.line, d.clean(plan.motion_word + it.text))
                         if it.line == plan.first_motion else it for it in items]
            pre = [Item(0, d.clean(t)) for t in plan.preamble]
            self.result.preamble = [it.text for it in pre]
            self.link.event("preamble", from_line, data={"lines": self.result.preamble})
            moves = move_times(plan.preamble, rapid=d.rapid()) + moves
            items = pre + items
        return items, moves

    # ----- the loop ----------------------------------------------------------------------------
    def _stream(self, items: list[Item], moves: list[float], *, dry_run: bool) -> None:
        """Send while the window allows, read one reply (or time out), act on it; repeat."""
        d = self.dialect
        w = self._window = Window(items, moves, dry_run=dry_run, planner=d.planner_blocks)
        self.watch = Watch(self, w)
        self._last_ack = self.clock.now()
        link = self.link
        while w.acked < len(items):
            self._check_stop()
            if self.interrupted is not None and self.interrupted():
                self._pause("interrupted by user", w.current_line(), user=True)
            if self.state == "streaming" and w.resync_to is None:
                self._fill(w)
            now = self.clock.now()
            wait = self.watch.poll(now)
            if w.in_flight:
                wait = min(wait, self.timeout - (now - link.last_rx))
            if w.resync_to is not None:
                wait = min(wait, w.resync_at - now)
            try:
                raw = link.read(max(0.0, wait))
            except KeyboardInterrupt:
                self._pause("interrupted by user", w.current_line(), user=True)
                continue
            if raw is None:
                self._on_quiet(w)
            else:
                self._on_reply(w, raw)

    def _check_stop(self) -> None:
        if self._stop is not None:
            reason, signum = self._stop
            line = self._window.current_line() if self._window else None
            raise StreamInterrupted(f"line {line}: {reason}" if line is not None else reason,
                                    signum=signum)

    def _fill(self, w: Window) -> None:
        d, items = self.dialect, w.items
        out = bytearray()
        res = self.result
        while w.nxt < len(items):
            it = items[w.nxt]
            data = d.frame(it, w.nxt + 1)
            if not d.can_send(w.jobs_in_flight(), w.in_bytes, len(data)):
                break
            if w.in_flight and (it.text.startswith("$") or items[w.in_flight[-1][0]].text
                                .startswith("$")):
                break  # GRBL: '$' lines (EEPROM writes, homing) go one at a time
            out += data
            w.push(w.nxt, len(data))
            d.outputs.track(it.text)
            res.sent += 1
            res.max_in_flight_bytes = max(res.max_in_flight_bytes, w.in_bytes)
            self.link.event("sent", it.line, data.decode().rstrip("\n"))
            w.nxt += 1
        if out:
            self.link.write(bytes(out))

    def _on_quiet(self, w: Window) -> None:
        """No reply within the wait: end a resend pause, probe or nudge Marlin, or give up."""
        now, link = self.clock.now(), self.link
        quiet = now - link.last_rx
        if w.resync_to is not None and now >= w.resync_at:
            w.nxt, w.resync_to = w.resync_to, None
        elif (self.dialect.name == "marlin" and w.jobs_in_flight() and not w.probes
              and quiet >= self.probe_after and now - self._last_ack >= self.probe_after):
            data = self.dialect.probe_line()
            link.write(data)  # answered in turn: every line sent before it has been run
            w.push_probe(len(data))
            link.event("probe", w.current_line(), data.decode().strip())
        elif w.in_flight and quiet >= self.timeout:
            if self.dialect.name == "marlin" and not w.nudged:
                w.nudged = True  # a lost newline leaves a partial line: a bare newline ends it
                link.write(b"\n")
                link.last_rx = now
                return
            raise DeviceError(f"line {w.current_line()}: no reply within {self.timeout:g}s "
                              f"(port {link.name} stopped answering)")

    def _on_reply(self, w: Window, raw: str) -> None:
        link, d = self.link, self.dialect
        try:
            r = d.classify(raw)
        except Exception:  # noqa: BLE001 - a reply we cannot read is noise, not a reason to stop
            r = Reply("unparsed", raw)
        if r.kind == "ok":
            self._on_ok(w, r)
        elif r.kind == "unparsed":
            link.event("unparsed", w.current_line(), raw)
            if raw.startswith("<"):
                self.watch.answered()
        elif r.kind == "error" and d.name == "grbl":
            self._on_grbl_error(w, r)
        elif r.kind == "resend":
            self._on_resend(w, r)
        elif r.kind == "unknown":
            self._on_unknown(w, r)
        elif r.kind in ("alarm", "banner") or r.fatal:
            line = w.fates()[1] if r.kind == "banner" else w.current_line()
            link.event("error", line, raw, data={"code": r.code, "meaning": r.meaning})
            raise DeviceError(f"line {line}: {d.describe(r)}")
        elif r.kind == "status":
            self.watch.status(r)
        elif r.kind == "echo":
            it = w.items[w.echo_next] if w.echo_next < len(w.items) else None
            if it is not None and r.data["text"] != it.text:
                raise DeviceError(f"line {it.line}: corrupted on the link: sent {it.text!r}, "
                                  f"GRBL read {r.data['text']!r}")
            w.echo_next += 1
        else:  # Marlin's non-fatal Error: lines, echo:, busy:, [MSG:], temperatures
            link.event("message", text=raw, data={"ignored": True} if r.kind == "ignore" else None)

    def _on_ok(self, w: Window, r: Reply) -> None:
        """Credit an ok: a probe's answer releases everything sent before the probe; a numbered
        ``ok N<n>`` (Marlin ADVANCED_OK) credits line n and any older line whose ok was lost."""
        w.nudged = False
        head = w.in_flight[0][0] if w.in_flight else None
        if r.data.get("probe") or (head is not None and head < 0 and r.code is None):
            if not w.probes:
                self.link.event("message", text=r.raw, data={"note": "probe answer, no probe"})
                return
            while w.in_flight and w.in_flight[0][0] >= 0:
                self._lost(w)
            w.pop_oldest()
            return
        if r.code is not None and w.jobs_in_flight():
            want = r.code - 1
            oldest = next(idx for idx, _ in w.in_flight if idx >= 0)
            if want >= oldest and any(idx == want for idx, _ in w.in_flight):
                while w.in_flight[0][0] != want:
                    if w.in_flight[0][0] < 0:
                        w.pop_oldest()
                    else:
                        self._lost(w)
                self._ack(w, r.raw)
                return
        if w.swallow_ok:  # the ok after a Resend: or after debris acknowledges nothing
            w.swallow_ok -= 1
        elif head is None:
            self.link.event("message", text=r.raw, data={"note": "ok without a line in flight"})
        else:
            self._ack(w, r.raw)

    def _ack(self, w: Window, raw: str, *, ran: bool = True) -> Item:
        it = w.items[w.pop_oldest(ran=ran)]
        self.result.acked = w.acked
        self._last_ack = self.clock.now()
        self.link.event("ack", it.line, raw)
        self._progress()
        return it

    def _lost(self, w: Window) -> None:
        """The oldest line in flight was answered but its answer never arrived."""
        it = w.items[w.pop_oldest()]
        self.result.acked = w.acked
        self._last_ack = self.clock.now()
        self.result.lost_acks.append(it.line)
        self.link.event("ack-lost", it.line, it.text)

    def _on_grbl_error(self, w: Window, r: Reply) -> None:
        """``error:N`` answers (and ends) the oldest line in flight: record, then pause or stop."""
        if not w.in_flight:
            self.link.event("error", None, r.raw, data={"code": r.code, "meaning": r.meaning})
            return
        it = self._ack(w, r.raw, ran=False)
        what = self.dialect.describe(r)
        self.result.errors.append((it.line, what))
        self.link.event("error", it.line, r.raw, data={"code": r.code, "meaning": r.meaning})
        if not w.dry_run:
            self._pause(f"line {it.line} ({it.text}): {what}", it.line, error=True)

    def _on_unknown(self, w: Window, r: Reply) -> None:
        """Marlin's ``echo:Unknown command: "X"`` comes before the ok of line X. If X is (close
        to) the job line in flight, Marlin took that line but cannot run it (unsupported, or
        mangled by faults the XOR checksum missed): record, then pause or stop. Otherwise X is
        debris of a line Marlin flushed on a resend: it ran nothing, its ok acknowledges
        nothing."""
        idx = next((i for i, _ in w.in_flight if i >= 0), None)
        it = w.items[idx] if idx is not None else None
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

    def _on_resend(self, w: Window, r: Reply) -> None:
        """Marlin wants line N again: forget what is in flight from N on, wait until the stale
        lines' replies stop (Marlin flushed or rejects them), then send again from N."""
        w.swallow_ok += 1
        want = (r.code or 1) - 1
        items = w.items
        self.link.event("resend", items[want].line if 0 <= want < len(items) else None, r.raw)
        if want < w.acked:
            raise DeviceError(f"port {self.link.name}: Marlin asked again for acknowledged "
                              f"line {items[max(want, 0)].line} (did it reset?)")
        w.drop_from(want)
        if want < w.nxt:
            self.result.resends += w.resync_to != want
            w.resync_to, w.resync_at = want, self.clock.now() + self.resync_quiet

    # ----- pause, abort, record ----------------------------------------------------------------
    def _pause(self, reason: str, line: int | None, *, error: bool = False,
               user: bool = False) -> None:
        if self.state == "paused":  # an error while settling into a pause: ask about both
            self._also.append(reason)
            return
        decision = "abort"
        if self.on_error == "ask" and self.on_pause is not None:
            self.state, self._also = "paused", []
            self.watch.hold()
            self.link.event("paused", line, reason)
            decision = self.on_pause("; ".join([reason, *self._also]))
        where = f"line {line}: " if line is not None else ""
        if decision != "continue":
            if user:
                raise StreamInterrupted(f"{where}{reason}", signum=signal.SIGINT)
            raise StreamAborted(reason if error else f"{where}{reason}")
        self.watch.unhold()
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
            if self._window is not None and getattr(self.dialect, "stopped_idle", False):
                self._window.all_done()  # the machine was idle before the reset: all acked ran
        except Exception as err:  # noqa: BLE001 - report, then raise the original
            self.link.event("safe_stop", text=f"failed: {err}", data={"sent": False})
        self.state = "aborted"
        self._record()
        res = self.result
        self.link.event("aborted", text=reason, data={
            "last_done": res.last_done, "first_unknown": res.first_unknown})

    def _record(self) -> None:
        """Copy what the window knows into the result."""
        w, res = self._window, self.result
        if w is None:
            return
        res.job_acked = sum(1 for it in w.items[: w.acked] if it.line)
        res.last_done, res.first_unknown = w.fates()

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
