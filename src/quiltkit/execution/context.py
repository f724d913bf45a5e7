"""What a stage driver is handed besides its params section: one value, made by the stage from
params.project, and passed whole, so no driver takes (or forgets) a part of it by hand.

It says where the per-video work runs (workers, executor, ray_address), which seed the run
draws from, which workspace its relative paths resolve against, and, inside a stage, the
stage's MLflow tracker and its `resume_outputs` (quiltkit.resume, through quiltkit.stage). A
driver called outside a stage (a test, a benchmark, the held-out curation) gets the defaults:
one local process, seed 0, the working directory, no tracker, nothing resumed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

from quiltkit.config import ProjectParams


@dataclass(frozen=True)
class Execution:
    workers: int = 1  # processes of the local pool
    executor: str = "local"  # local | ray
    ray_address: str | None = None  # None: start a local Ray; "auto" or "ray://host:port": join one
    seed: int = 0  # project.seed unless a stage says otherwise (the held-out corpus has its own)
    root: Path = field(default_factory=lambda: Path("."))  # the workspace: params' relative paths start here
    # The stage's tracker (quiltkit.tracking.StageTracker) and resume_outputs; typed loosely because
    # tracking and resume sit beside execution in the layers, not under it.
    tracker: Any = None
    resume: Callable[..., dict] | None = None

    @classmethod
    def of(cls, project: ProjectParams, **stage: Any) -> Execution:
        return cls(
            workers=project.workers,
            executor=project.executor,
            ray_address=project.ray_address,
            seed=project.seed,
            **stage,
        )

    def with_seed(self, seed: int) -> Execution:
        return replace(self, seed=seed)

    def resume_outputs(self, *dirs: Path, **kw: Any) -> dict:
        """The stage's resume_outputs (quiltkit.stage.StageContext) when there is a stage; outside
        one every output is the caller's to keep or overwrite, so nothing is claimed."""
        return self.resume(*dirs, **kw) if self.resume is not None else {}
