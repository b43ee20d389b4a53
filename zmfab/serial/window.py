"""The streamer's explicit state: lines in flight, acknowledgements, and what is known to have run.

An acknowledgement (ok) means the firmware took a line; a motion line may still wait in its
planner, and a reset or a quick stop throws the planner away. ``done`` counts the lines known to
have run to completion: all of them once the machine reports Idle (or its planner empty), else
those followed by more acknowledged moves than the planner holds.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from .protocol import Item

PROBE = -1  # an in-flight entry that is a probe (Marlin M105), not a job item


@dataclass
class Window:
    """Indexes are into ``items``; Marlin line numbers are index + 1. ``in_flight`` holds
    ``(index, bytes)`` entries, a probe as ``(PROBE - n, bytes)`` where ``n`` items were sent
    before it. ``moves[i]``: item i's estimated motion seconds (0: no motion)."""

    items: list[Item]
    moves: list[float] = field(default_factory=list)
    dry_run: bool = False
    planner: int = 16
    in_flight: deque[tuple[int, int]] = field(default_factory=deque)
    in_bytes: int = 0
    nxt: int = 0
    acked: int = 0
    done: int = 0
    swallow_ok: int = 0
    nudged: bool = False
    resync_to: int | None = None
    resync_at: float = 0.0
    echo_next: int = 0
    probes: int = 0  # probes in flight
    recent: deque[int] = field(default_factory=deque)  # acked motion items maybe in the planner

    # ----- sending and acknowledging ----------------------------------------------------------
    def push(self, idx: int, nbytes: int) -> None:
        self.in_flight.append((idx, nbytes))
        self.in_bytes += nbytes

    def push_probe(self, nbytes: int) -> None:
        self.in_flight.append((PROBE - self.nxt, nbytes))
        self.in_bytes += nbytes
        self.probes += 1

    def jobs_in_flight(self) -> int:
        return len(self.in_flight) - self.probes

    def pop_oldest(self, *, ran: bool = True) -> int:
        """Acknowledge the oldest entry (``ran=False``: rejected, nothing moved); returns its
        index (a probe: a negative number)."""
        idx, nbytes = self.in_flight.popleft()
        self.in_bytes -= nbytes
        if idx < 0:
            self.probes -= 1
            return idx
        self.acked = idx + 1
        if ran and self.moves and self.moves[idx] > 0:
            if len(self.recent) >= self.planner:
                self.recent.popleft()
                self.done = max(self.done, self.recent[0] if self.recent else idx)
            self.recent.append(idx)
        elif not self.recent:
            self.done = max(self.done, idx + 1)
        return idx

    def drop_from(self, want: int) -> None:
        """Forget the entries sent from item ``want`` on (Marlin flushed them on a resend)."""
        while self.in_flight:
            idx, nbytes = self.in_flight[-1]
            if idx >= 0 and idx < want or idx < 0 and PROBE - idx <= want:
                break
            self.in_flight.pop()
            self.in_bytes -= nbytes
            self.probes -= idx < 0

    # ----- what ran ----------------------------------------------------------------------------
    def all_done(self) -> None:
        """The machine is idle: every acknowledged line has run."""
        self.done = max(self.done, self.acked)
        self.recent.clear()

    def planner_holds(self, blocks: int) -> None:
        """The machine reports ``blocks`` moves in its planner: the older ones have run."""
        if blocks <= 0:
            self.all_done()
        elif blocks < len(self.recent):
            while len(self.recent) > blocks:
                self.recent.popleft()
            self.done = max(self.done, self.recent[0])

    def current_line(self) -> int | None:
        """The job line being worked on: the oldest job line in flight, else the last sent."""
        for idx, _ in self.in_flight:
            if idx >= 0:
                return self.items[idx].line
        return self.items[self.nxt - 1].line if self.nxt else None

    def fates(self) -> tuple[int | None, int | None]:
        """(last job line known to have run, first job line whose fate is unknown)."""
        last = next((it.line for it in reversed(self.items[: self.done]) if it.line), None)
        first = next((it.line for it in self.items[self.done:] if it.line), None)
        return last, first

    def longest_move(self) -> float:
        """Seconds of the longest move that may be running or waiting in the machine."""
        end = self.nxt
        return max(self.moves[self.done:end], default=0.0) if self.moves else 0.0
