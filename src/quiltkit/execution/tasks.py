"""What one unit of per-video work is, what became of it, and which finished ones to redo.

Shared by the local pool (runner.py) and the Ray backend (ray_backend.py), and by every stage
that hands videos to them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from quiltkit.contracts import ContractError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VideoTask:
    video_id: str
    output: Path  # the file whose existence means "done"
    args: dict = field(default_factory=dict)


@dataclass
class TaskResult:
    video_id: str
    status: str  # ok | failed | skipped | cached
    summary: dict = field(default_factory=dict)
    error: str | None = None


def invalidate(tasks: list[VideoTask], contract, desc: str, input_arg: str) -> None:
    """A finished output counts as done, except when it failed (failures are often transient: a
    record being rewritten, a file still downloading) or when its input file is newer than it
    (the upstream stage redid that video). Those outputs are removed so the runner redoes them."""
    for t in tasks:
        if not t.output.exists():
            continue
        src = Path(t.args[input_arg])
        reason = None
        if src.exists() and src.stat().st_mtime_ns > t.output.stat().st_mtime_ns:
            reason = "input is newer"
        else:
            try:
                if contract.read(t.output).status == "failed":
                    reason = "failed last time"
            except ContractError:
                reason = "unreadable output"
        if reason:
            log.info("%s: redoing %s (%s)", desc, t.video_id, reason)
            t.output.unlink()
