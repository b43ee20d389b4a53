"""Watching the machine while a job streams: status polls, lost acknowledgements, stalls, the
end-of-job drain and the pause (hold and restore).

GRBL answers ``?`` at once, whatever it is doing. A status report is matched to the one poll in
flight (a new poll goes out only once the last is answered, or a second has passed), so a report
says something about every line sent before its poll:

- With ``Bf:`` (``$10`` bit 2): GRBL's RX fill says how many of those lines it has read; more
  read-but-unacknowledged lines than the one it may be blocked on (a full planner, a dwell, a
  spindle sync) means acks were lost. Without ``Bf:``: ``Idle`` on two reports in a row with no
  ack between while such lines are counted in flight. Either is confirmed by the next report,
  then the oldest lines' credit is released (``ack-lost``; GRBL's oks carry no line number, so
  the line named is the one released) and never resent.
- ``Run`` with the position unchanged and no ack for longer than the longest move that may be
  running should take (plus a margin) is a stall.
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import DeviceError
from .protocol import Reply
from .window import Window

REPOLL = 1.0  # seconds before a poll whose report never came is repeated
_PLAIN = re.compile(r"(G0?[01])?([XYZFS][-+]?[\d.]+)*")  # a move that waits for nothing but room
_WAITS = re.compile(r"G0?4(?![\d.])|^\$|M0?[0-2](?!\d)")  # dwell, system command, program stop


class Watch:
    """The streamer's eyes on the machine; one per streamed job."""

    def __init__(self, streamer: Any, window: Window) -> None:
        """``streamer``: the :class:`~.streamer.Streamer` whose link, dialect and clock to use."""
        self.s, self.w = streamer, window
        self.next_poll = streamer.clock.now()
        self.mark: int | None = None  # items sent before the poll in flight
        self.polled_at = -1e9
        self.idle_prev: int | None = None  # acked count at the last Idle report (no Bf)
        self.suspect: tuple[int, int] | None = None  # (oldest line index, acks lost) to confirm
        self.pos: list[float] | None = None
        self.moved_at = streamer.clock.now()

    # ----- polling -----------------------------------------------------------------------------
    def poll(self, now: float) -> float:
        """Send a status poll when due; return how long the loop may wait for a reply."""
        s = self.s
        if not s.dialect.polls:
            return s.poll_interval
        if now >= self.next_poll and (self.mark is None or now - self.polled_at >= REPOLL):
            s.dialect.poll(s.link)
            if self.mark is None:  # a repeated poll keeps the older, safer mark
                self.mark = self.w.nxt
            self.polled_at = now
            self.next_poll = now + s.poll_interval
        due = self.next_poll if self.mark is None else max(self.next_poll, self.polled_at + REPOLL)
        return max(0.0, min(due - now, s.poll_interval))

    def answered(self) -> None:
        """A report came that could not be read: the poll is answered, nothing learnt."""
        self.mark = None

    def status(self, r: Reply) -> None:
        """Act on a status report: what ran, lost acks, stalls."""
        s, w = self.s, self.w
        s.link.event("status", text=r.raw, data=r.data)
        mark, self.mark = self.mark, None
        state, bf = r.data.get("state"), r.data.get("bf")
        now = s.clock.now()
        pos = r.data.get("pos")
        if pos != self.pos:
            self.pos, self.moved_at = pos, now
        d = s.dialect
        self._reconcile(mark, r)
        if state == "Idle" and (bf is None or bf[0] >= d.planner_blocks):
            w.all_done()
        elif bf is not None and state in ("Run", "Hold", "Jog"):
            w.planner_holds(d.planner_blocks - bf[0])
        if state == "Run" and s.state in ("streaming", "draining"):
            still = now - max(self.moved_at, s._last_ack)
            longest = w.longest_move()
            limit = 1.25 * longest + s.stall
            if still > limit:
                raise DeviceError(
                    f"line {w.fates()[1] or w.current_line()}: stalled: GRBL reports Run but "
                    f"nothing moved and nothing was acknowledged for {still:.1f} s (the longest "
                    f"move in flight should take {longest:.1f} s)")

    def _reconcile(self, mark: int | None, r: Reply) -> None:
        """Release the credit of lines GRBL took whose ok never came (see the module doc)."""
        s, w = self.s, self.w
        if mark is None or s.state != "streaming" or w.dry_run:
            self.suspect = None
            return
        cands = [(i, n) for i, n in w.in_flight if 0 <= i < mark]
        state, bf = r.data.get("state"), r.data.get("bf")
        lost = 0
        if cands and bf is not None:
            unconsumed = s.dialect.rx_size - bf[1]  # RX bytes GRBL has not read yet
            est = sum(n for _, n in cands) - unconsumed  # bytes read, not acknowledged (at most)
            taken = 0
            for _, n in cands:
                if est < n:
                    break
                est -= n
                taken += 1
            newest = w.items[cands[taken - 1][0]].text if taken else ""
            lost = taken - (1 if bf[0] == 0 or not _PLAIN.fullmatch(newest) else 0)
        elif cands and state == "Idle" and self.idle_prev == w.acked:
            if not any(_WAITS.search(w.items[i].text) for i, _ in cands):
                lost = len(cands)  # idle twice, no ack between: nothing is left to answer
        self.idle_prev = w.acked if state == "Idle" and bf is None else None
        if lost <= 0:
            self.suspect = None
            return
        if self.suspect is None:  # confirm on the next report: a race is not a loss
            self.suspect = (cands[0][0], lost)
            return
        for _ in range(min(lost, self.suspect[1])):
            s._lost(w)
        self.suspect = None

    # ----- the end -----------------------------------------------------------------------------
    def drain(self) -> None:
        """After the last ok GRBL still runs its planner: poll until it reports Idle."""
        s = self.s
        link, d = s.link, s.dialect
        s.state = "draining"
        self.next_poll = s.clock.now()  # ask at once: a short job should not wait a poll interval
        while True:
            s._check_stop()
            now = s.clock.now()
            wait = self.poll(now)
            if now - link.last_rx > s.timeout:
                raise DeviceError(f"port {link.name}: no status while finishing the job")
            raw = link.read(wait)
            if raw is None:
                continue
            try:
                r = d.classify(raw)
            except Exception:  # noqa: BLE001 - see Streamer._on_reply
                r = Reply("unparsed", raw)
            if r.kind == "unparsed":
                link.event("unparsed", text=raw)
                self.answered()
                continue
            if r.kind in ("alarm", "banner") or r.fatal:
                line = self.w.fates()[1]
                raise DeviceError(f"end of job{f' (line {line})' if line else ''}: {d.describe(r)}")
            if r.kind != "status":
                link.event("message", text=raw)
                continue
            self.status(r)
            if r.data.get("state") in ("Idle", "Check"):
                return

    # ----- pause -------------------------------------------------------------------------------
    def hold(self) -> None:
        """GRBL: feed hold (laser mode turns the beam off). Marlin: let the lines in flight
        finish, then run the dialect's hold (M400, valves and fan closed, spindle off)."""
        s, w = self.s, self.w
        d, link = s.dialect, s.link
        if d.name == "marlin":
            deadline = s.clock.now() + s.timeout
            while w.jobs_in_flight() and s.clock.now() < deadline:
                s._check_stop()
                raw = link.read(min(s.poll_interval, deadline - s.clock.now()))
                if raw is not None:
                    s._on_reply(w, raw)
            if w.in_flight:  # a probe or a line never answered: the hold lines would misalign
                return
        d.hold(link)
        if d.name == "marlin":
            w.all_done()  # M400 answered: every move sent has run

    def unhold(self) -> None:
        self.s.dialect.resume(self.s.link)
