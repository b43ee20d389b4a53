"""Write files so that nothing is ever half written: a temporary file, then a rename."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path``, on error it vanishes."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    except OSError as exc:
        raise _named(exc, target) from None
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o644)
        os.replace(tmp_path, target)
    except OSError as exc:
        # the hidden temporary file is ours, not the user's: name the path they gave
        if exc.filename in (str(tmp_path), tmp_path) or exc.filename2 in (str(target), target):
            raise _named(exc, target) from None
        raise
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def _named(exc: OSError, target: Path) -> OSError:
    """``exc`` about ``target`` (same class and errno), e.g. PermissionError naming out/x.svg."""
    return type(exc)(exc.errno, exc.strerror or str(exc), str(target))


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Atomically write ``text`` (UTF-8) to ``path``."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Atomically write ``data`` to ``path``."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_with(path: str | os.PathLike[str], writer: Callable[[Path], None]) -> Path:
    """Atomically write ``path`` by calling ``writer(temporary_path)``."""
    with atomic_path(path) as tmp:
        writer(tmp)
    return Path(path)
