"""What every stage entry point shares: params, logging, seeding, MLflow run, metrics file.

A stage script is then a few lines:

    with stage_context("frames") as ctx:
        metrics = run_frames(ctx.params.frames, ..., ctx.execution)
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
from quiltkit.execution.context import Execution
from quiltkit.io import write_json
from quiltkit.paths import METRICS, OUTPUTS, workspace_root
from quiltkit.tracking import StageTracker


@dataclass
class StageContext:
    name: str
    params: Params
    tracker: StageTracker
    metrics_name: str = ""
    started: float = field(default_factory=time.time)
    metrics: dict = field(default_factory=dict)

    @property
    def execution(self) -> Execution:
        """What this stage's driver is handed beside its params section (quiltkit.execution.context)."""
        return Execution.of(
            self.params.project, root=workspace_root(), tracker=self.tracker, resume=self.resume_outputs
        )

    def resume_outputs(
        self, *dirs: Path, videos: dict[str, str] | None = None, per_video: Iterable[str | Path] = ()
    ) -> dict:
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
        """metrics/<name>.json gets what the run measured of its data; its timings go to
        outputs/timings/<name>.json (TIMINGS), and both to MLflow."""
        metrics, timings = split_timings(metrics)
        timings["stage_seconds"] = round(time.time() - self.started, 2)
        self.metrics = metrics
        name = self.metrics_name or self.name
        write_json(METRICS / f"{name}.json", metrics)
        write_json(OUTPUTS / "timings" / f"{name}.json", timings)
        self.tracker.log_metrics({**metrics, **timings})


def write_params_valid(stage: str) -> None:
    """The output of a params check stage (params_check, demo_params_check): constant whatever the
    values, so a check that passes gives the stages behind it nothing new to re-run for."""
    write_json(OUTPUTS / f"{stage}.json", {"params.yaml": "valid against quiltkit.config.Params"})


# Keys whose values are times of this run, not figures about the data: a re-run on a busy machine
# changes them while nothing else changed, so they stay out of the files `dvc metrics diff`,
# `dvc exp show` and the gate read. (audio_seconds, video_seconds and the like are durations of
# the corpus, and stay.)
TIMINGS = frozenset(
    {
        "stage_seconds",
        "wall_seconds",
        "asr_seconds",
        "analysis_seconds",
        "generation_seconds",
        "real_time_factor",
        "wall_real_time_factor",
        "video_seconds_per_wall_second",
        "samples_per_s",
        "images_per_s",
    }
)


def split_timings(metrics: dict) -> tuple[dict, dict]:
    """(metrics without timing keys, the timing keys) at any depth of nesting."""
    kept, timings = {}, {}
    for k, v in metrics.items():
        if k in TIMINGS:
            timings[k] = v
        elif isinstance(v, dict):
            kept[k], inner = split_timings(v)
            if inner:
                timings[k] = inner
        else:
            kept[k] = v
    return kept, timings


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
