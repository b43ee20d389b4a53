"""The one progress line every long command draws on stderr: bar, count, rate, elapsed and ETA.

Drawn only on a terminal and not with ``-q``; work that ends within ``delay`` seconds draws
nothing (a progress bar that flashes is noise). ``stream``, ``sweep``, ``build``, ``layout`` and
``simulate`` all draw through :class:`Bar`. The library never sees it: it takes a plain
``progress(done, total, label)`` callback.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import IO

WIDTH = 30


def clock_text(seconds: float) -> str:
    """``m:ss`` (or ``h:mm:ss``) of ``seconds``."""
    s = int(round(seconds))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def bar_text(done: float, total: float, *, elapsed: float, eta: float | None, unit: str = "",
             rate: float | None = None, label: str = "", percent: float | None = None) -> str:
    """The progress line: ``[####......]  42.0%  3/7 unit  ... elapsed m:ss  ETA m:ss``
    (``percent`` when the share done is not ``done / total``, e.g. by estimated time)."""
    pct = percent if percent is not None else (100.0 * done / total if total else 100.0)
    fill = min(WIDTH, int(WIDTH * pct / 100))
    count = f"{done:g}/{total:g}" + (f" {unit}" if unit else "")
    parts = [f"[{'#' * fill}{'.' * (WIDTH - fill)}] {pct:5.1f}%  {count}"]
    if rate is not None:
        parts.append(f"{rate:.1f}/s")
    parts.append(f"elapsed {clock_text(elapsed)}  ETA {'--:--' if eta is None else clock_text(eta)}")
    if label:
        parts.append(label)
    return "  ".join(parts)


class Bar:
    """A redrawn progress line; call it with ``(done, total[, label])``.

    ``enabled`` defaults to "stderr is a terminal"; nothing is drawn before ``delay`` seconds
    have passed, nor more often than every ``interval`` seconds. The ETA is the time per unit of
    work so far times the work left (the first call's count, e.g. resumed variants, excluded).
    """

    def __init__(self, *, enabled: bool | None = None, quiet: bool = False, unit: str = "",
                 rate: bool = False, delay: float = 2.0, interval: float = 0.1,
                 stream: IO[str] | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream or sys.stderr
        tty = self.stream.isatty() if enabled is None else enabled
        self.enabled = bool(tty) and not quiet
        self.unit, self.show_rate = unit, rate
        self.delay, self.interval, self.clock = delay, interval, clock
        self.t0 = clock()
        self.first: float | None = None
        self.first_at = self.t0
        self.last_draw = -1e9
        self.drawn = False

    def eta(self, done: float, total: float) -> float | None:
        """Seconds left at the pace so far (None before any work is timed)."""
        if self.first is None:
            return None
        ran, spent = done - self.first, self.clock() - self.first_at
        if ran <= 0 or spent <= 0:
            return None
        return max(0.0, (total - done) * spent / ran)

    def __call__(self, done: float, total: float, label: str = "") -> None:
        now = self.clock()
        if self.first is None:
            self.first, self.first_at = done, now
        if not self.enabled or now - self.t0 < self.delay:
            return
        if now - self.last_draw < self.interval and done < total:
            return
        self.last_draw = now
        elapsed = now - self.t0
        rate = None
        if self.show_rate:
            spent = now - self.first_at
            rate = (done - self.first) / spent if spent > 0 else 0.0
        line = bar_text(done, total, elapsed=elapsed, eta=self.eta(done, total), unit=self.unit,
                        rate=rate, label=label)
        self.stream.write("\r" + line + "\033[K")
        self.drawn = True
        if done >= total:
            self.close()
        self.stream.flush()

    def close(self) -> None:
        """End the line (when one was drawn) so later output starts on its own line."""
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()
            self.drawn = False
