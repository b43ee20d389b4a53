"""The words a stream ends with: one summary line from a :class:`~.streamer.StreamResult`."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .streamer import StreamResult

SHOWN = 3  # rejected or lost lines named before "and N more"


def _lines(numbers: list[int]) -> str:
    head = ", ".join(str(n) for n in numbers[:SHOWN])
    return head + (f" and {len(numbers) - SHOWN} more" if len(numbers) > SHOWN else "")


def finished(res: StreamResult, *, simulated: bool = False) -> str:
    """``streamed 1497 of 1498 lines in 12.30 s; line 402 rejected: error:20 (...)``."""
    verb = "checked" if res.dry_run else "streamed"
    text = (f"{verb} {res.accepted} of {res.job_total} lines in {res.elapsed:.2f} s"
            + (" (simulated time)" if simulated else ""))
    if res.preamble:
        text += f" after a {len(res.preamble)}-line resume preamble"
    if res.resends:
        text += f", {res.resends} resend(s)"
    if res.lost_acks:
        text += (f"; {len(res.lost_acks)} acknowledgement(s) lost on the link (line "
                 f"{_lines(res.lost_acks)}: taken by the machine, not resent)")
    if res.errors:
        shown = "; ".join(f"line {n} rejected: {what}" for n, what in res.errors[:SHOWN])
        more = len(res.errors) - SHOWN
        text += f"; {shown}" + (f"; and {more} more rejected" if more > 0 else "")
    return text


def stopped(res: StreamResult) -> str:
    """Where a stopped job stands: the last line known to have run, the first whose fate is
    unknown, and the ``--from-line`` that resumes it."""
    if res.first_unknown is None and res.last_done is None:
        return "no job line was sent"
    last = f"last line known to have run: {res.last_done}" if res.last_done else \
        "no line is known to have run"
    if res.first_unknown is None:
        return f"{last}; every line ran"
    return (f"{last}; first line not known to have run: {res.first_unknown}; "
            f"resume with --from-line {res.first_unknown}")
