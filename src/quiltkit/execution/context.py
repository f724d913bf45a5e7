"""Where a stage's per-video work runs: one value, made from params.project and passed whole, so
no driver takes (or forgets) a part of it by hand."""

from __future__ import annotations

from dataclasses import dataclass

from quiltkit.config import ProjectParams


@dataclass(frozen=True)
class Execution:
    workers: int = 1  # processes of the local pool
    executor: str = "local"  # local | ray
    ray_address: str | None = None  # None: start a local Ray; "auto" or "ray://host:port": join one

    @classmethod
    def of(cls, project: ProjectParams) -> Execution:
        return cls(workers=project.workers, executor=project.executor, ray_address=project.ray_address)
