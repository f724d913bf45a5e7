"""What every stage entry point shares: params, logging, seeding, MLflow run, metrics file.

A stage script is then a few lines:

    with stage_context("frames") as ctx:
        metrics = run_frames(ctx.params, ...)
        ctx.finish(metrics)
"""
from __future__ import annotations

import logging
import random
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from quiltkit.config import Params, load_params
from quiltkit.io import write_json
from quiltkit.paths import METRICS
from quiltkit.tracking import StageTracker


@dataclass
class StageContext:
    name: str
    params: Params
    tracker: StageTracker
    metrics_name: str = ""
    started: float = field(default_factory=time.time)
    metrics: dict = field(default_factory=dict)

    def resume_outputs(self, *dirs: Path, videos: dict[str, str] | None = None, per_video: Iterable[str | Path] = ()) -> dict:
        """Keep what still holds of an earlier run of this stage (quiltkit.resume), for outputs
        declared persist: true: with `videos` (id -> key over its own inputs) and `per_video`
        (the paths of those inputs, left out of the stage's fingerprint), video by video;
        without, the whole directory. Call it after the params and inputs are validated. Returns
        the counts for the stage's metrics."""
        from quiltkit.resume import claim_output_dir, stage_fingerprint

        fp = stage_fingerprint(self.name, self.params.model_dump(mode="json"), per_video=per_video)
        summary: dict = {}
        for d in dirs:
            summary = claim_output_dir(Path(d), fp, videos).summary()
        return summary if videos is not None else {}

    def finish(self, metrics: dict) -> None:
        metrics = dict(metrics)
        metrics["stage_seconds"] = round(time.time() - self.started, 2)
        self.metrics = metrics
        write_json(METRICS / f"{self.metrics_name or self.name}.json", metrics)
        self.tracker.log_metrics(metrics)


def setup_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:  # PyRuSH logs a DEBUG flood through loguru
        from loguru import logger

        logger.disable("PyRuSH")
    except ImportError:
        pass


def seed_everything(seed: int) -> None:
    random.seed(seed)
    try:
        import numpy as np

        np.random.seed(seed % 2**32)
    except ImportError:
        pass


@contextmanager
def stage_context(
    name: str, params_path: Path | str = "params.yaml", section: str | None = None, metrics_name: str | None = None
) -> Iterator[StageContext]:
    """name: the DVC stage (and MLflow run); section: its params section if named otherwise;
    metrics_name: metrics/<metrics_name>.json if not metrics/<name>.json."""
    setup_logging()
    params = load_params(params_path)
    seed_everything(params.project.seed)
    section_params = getattr(params, section or name, None)
    logged = {"project": params.project.model_dump()}
    if section_params is not None:
        logged[section or name] = section_params.model_dump()
    with StageTracker(name, params.project.mlflow_tracking_uri, params.project.mlflow_experiment, logged) as tracker:
        ctx = StageContext(name, params, tracker, metrics_name or name)
        yield ctx
    logging.getLogger("quiltkit.stage").info("%s done in %.1fs", name, time.time() - ctx.started)
