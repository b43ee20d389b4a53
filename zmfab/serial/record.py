"""The record of a stream: what happened to the job's lines, and how a stream ends in error."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import DeviceError


class StreamAborted(DeviceError):
    """The job was stopped (by the user, an error policy or a fault); the safe stop was sent.
    ``signum``: the signal that asked for the stop (SIGINT for Ctrl-C), else None."""

    def __init__(self, message: str, *, signum: int | None = None) -> None:
        super().__init__(message)
        self.signum = signum


class StreamInterrupted(StreamAborted):
    """Stopped because the operator or the system asked (Ctrl-C, SIGTERM, SIGHUP)."""


@dataclass
class StreamResult:
    """What happened: lines sent/acknowledged (preamble included), errors (line, text), lost
    acknowledgements (lines), the fates of the job's lines, and modelled/wall seconds."""

    total: int = 0
    sent: int = 0
    acked: int = 0
    resends: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    elapsed: float = 0.0
    dry_run: bool = False
    max_in_flight_bytes: int = 0
    job_total: int = 0  # job lines (the preamble not counted)
    job_acked: int = 0
    lost_acks: list[int] = field(default_factory=list)
    preamble: list[str] = field(default_factory=list)
    last_done: int | None = None  # last job line known to have run
    first_unknown: int | None = None  # first job line whose fate is unknown (resume here)
    finished: bool = False

    @property
    def accepted(self) -> int:
        """Job lines the machine took without an error."""
        return self.job_acked - len(self.errors)
