"""Bytes a piece of work reads, for the "every downloaded byte read once" checks (the tests of
the split download and of the frames stage's single open, and the curation benchmark)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable


def _rchar() -> int:
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("rchar"):
            return int(line.split()[1])
    raise RuntimeError("no rchar in /proc/self/io (not Linux?)")


def bytes_read(fn: Callable[[], object]) -> int:
    """Bytes this process read through read() syscalls while fn ran (Linux /proc/self/io rchar).
    Page-cache hits count too, which is the point: a second read of a cached file is still what
    shared storage would have to serve."""
    before = _rchar()
    fn()
    return _rchar() - before
