"""Run a sweep: plan the tasks, skip the ones already done, run the rest, write as they finish.

Three executors share one loop: in this process (``jobs=1``), a process pool (``jobs>1``) or a
Dask distributed cluster (``scheduler``). Each finished variant's record is written atomically
into its folder at once, so a crash or an interrupt loses only the variants still running; the
summary is then rebuilt from the records, in variant order, whatever order they finished in.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..design import Design
from ..errors import ZmfabError
from . import record as rec
from .spec import Variant
from .stages import available_stages
from .worker import Task, chunks, run_chunk

#: progress(done, total) is called after each finished (or skipped) variant.
Progress = Callable[[int, int], None]


@dataclass
class SweepResult:
    """The outcome of a sweep: one record per variant (in order) and what this run did."""

    outdir: Path
    records: list[dict[str, Any]]
    ran: int = 0
    skipped: int = 0
    elapsed_s: float = 0.0
    rows: list[dict[str, Any]] = field(default_factory=list)
    stages: list[str] = field(default_factory=list)
    units: dict[str, str] = field(default_factory=dict)
    varied: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[dict[str, Any]]:
        """Records whose status is not ``ok``."""
        return [r for r in self.records if r.get("status") != "ok"]


def plan(design: Design, variants: Sequence[Variant], outdir: Path, *, build: bool = True,
         options: dict[str, Any] | None = None, simulate: bool = False) -> list[Task]:
    """One task per variant, each with its content hash (pure apart from reading profiles)."""
    opts = dict(options or {})
    stage_names = available_stages(simulate=simulate)
    hashed = {**opts, "build": opts.get("build", {}) if build else None,
              "profiles": [_file_digest(p) for p in opts.get("profiles", [])],
              "shipped_profiles": _shipped_digest()}
    content = rec.design_content(design)
    tasks = []
    for v in variants:
        digest = rec.variant_hash(content, v.values, hashed, stages=stage_names)
        tasks.append(Task(v.index, v.name, v.values, digest, design, str(outdir / v.name),
                          build=build, options=opts, stages=tuple(stage_names)))
    return tasks


def _shipped_digest() -> str:
    """A digest of the shipped profile files: editing one re-runs the variants it affects."""
    import hashlib

    from ..profiles import SHIPPED

    h = hashlib.sha256()
    for path in sorted(SHIPPED.rglob("*.toml")):
        h.update(path.relative_to(SHIPPED).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:16]


def _file_digest(path: str) -> list[str]:
    import hashlib

    try:
        return [str(path), hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]]
    except OSError:
        return [str(path), "missing"]


def run(tasks: Sequence[Task], outdir: Path, *, jobs: int | None = 1, scheduler: Any = None,
        progress: Progress | None = None, resume: bool = True) -> SweepResult:
    """Run ``tasks`` (skipping current ones when ``resume``), writing each record as it finishes."""
    t0 = time.perf_counter()
    outdir.mkdir(parents=True, exist_ok=True)
    done: dict[int, dict[str, Any]] = {}
    todo: list[Task] = []
    for t in tasks:
        folder = outdir / t.name
        old = rec.read_record(folder) if resume else None
        if rec.is_current(old, t.digest, folder):
            done[t.index] = old  # type: ignore[assignment]
        else:
            todo.append(t)
    skipped, total = len(done), len(tasks)
    if progress:
        progress(skipped, total)
    if scheduler is not None:  # Dask workers may not share our disk: write records here
        todo = [dataclasses.replace(t, write=False) for t in todo]
    for record in _execute(todo, jobs=jobs, scheduler=scheduler):
        if scheduler is not None:
            rec.write_record(outdir / record["name"], record)
        done[record["index"]] = record
        if progress:
            progress(len(done), total)
    records = [done[t.index] for t in tasks]
    return SweepResult(outdir, records, ran=len(todo), skipped=skipped,
                       elapsed_s=time.perf_counter() - t0,
                       stages=list(tasks[0].stages) if tasks else [])


def _execute(todo: list[Task], *, jobs: int | None, scheduler: Any) -> Iterator[dict[str, Any]]:
    if not todo:
        return iter(())
    if scheduler is not None:
        from .dask_runner import run_on_dask

        return run_on_dask(todo, scheduler)
    n = jobs or os.cpu_count() or 1
    if n <= 1 or len(todo) == 1:
        return (r for chunk in chunks(todo, 1, most=1) for r in run_chunk(chunk))
    return _run_pool(todo, min(n, len(todo)))


def _run_pool(todo: list[Task], workers: int) -> Iterator[dict[str, Any]]:
    from concurrent.futures.process import BrokenProcessPool

    pool = ProcessPoolExecutor(max_workers=workers)
    try:
        pending = {pool.submit(run_chunk, c) for c in chunks(todo, workers)}
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                yield from _chunk_result(fut, BrokenProcessPool)
    finally:  # on an interrupt, start nothing new; running chunks still write their records
        pool.shutdown(wait=True, cancel_futures=True)


def _chunk_result(fut: Future[list[dict[str, Any]]], broken: type[BaseException]
                  ) -> Iterable[dict[str, Any]]:
    try:
        return fut.result()
    except broken:
        raise ZmfabError("a sweep worker died (killed or out of memory); finished variants are "
                         "saved, run the same command again to resume") from None
