"""Run sweep tasks on a Dask distributed cluster (the optional ``zmfab[dask]`` extra).

``scheduler`` is an address (``tcp://host:8786``), a ``distributed.Client`` or a cluster object
(``LocalCluster``). Workers must have zmfab installed; in build mode they write into the sweep
folder, so it must be on storage they share. Records come back to this process, which writes
them, so metrics-only sweeps need no shared storage.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..errors import ZmfabError
from .worker import Task, chunks, run_chunk


def _client(scheduler: Any) -> tuple[Any, bool]:
    """(client, whether we created it and so must close it)."""
    try:
        import distributed
    except ImportError:
        raise ZmfabError("--scheduler needs Dask distributed: pip install 'zmfab[dask]'") from None
    if isinstance(scheduler, distributed.Client):
        return scheduler, False
    try:
        return distributed.Client(scheduler, set_as_default=False), True
    except (OSError, TimeoutError) as exc:
        raise ZmfabError(f"--scheduler {scheduler}: cannot connect ({exc})") from None


def run_on_dask(todo: list[Task], scheduler: Any) -> Iterator[dict[str, Any]]:
    """Yield each record as its chunk finishes on the cluster."""
    import distributed

    client, owned = _client(scheduler)
    futures = []
    try:
        workers = max(1, sum(client.nthreads().values()))
        futures = [client.submit(run_chunk, c, pure=False) for c in chunks(todo, workers)]
        for fut in distributed.as_completed(futures, loop=client.loop):
            yield from fut.result()
    finally:
        unfinished = [f for f in futures if not f.done()]
        if unfinished:
            client.cancel(unfinished)
        if owned:
            client.close()
