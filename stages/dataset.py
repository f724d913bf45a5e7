"""dataset stage: outputs/pairs + external sources - eval images -> outputs/dataset (see docs/ARCHITECTURE.md)."""

from quiltkit.dataset.metrics import dataset_metrics
from quiltkit.dataset.stage_run import build_dataset
from quiltkit.paths import stage_dir, workspace_root
from quiltkit.stage import stage_context
from quiltkit.tracking.datasets import dataset_profile, dvc_dir_hash

if __name__ == "__main__":
    with stage_context("dataset") as ctx:
        stats = build_dataset(
            ctx.params.dataset,
            ctx.params.project.seed,
            workspace_root(),
            stage_dir("pairs"),
            stage_dir("dataset"),
            download_dir=stage_dir("download"),
            corpus_dir=workspace_root() / ctx.params.download.corpus_dir,
            release_dir=stage_dir("release"),
        )
        if ctx.tracker.run_id:  # the MLflow dataset this run made: digest = the DVC hash dvc.lock is about to record
            ctx.tracker.log_dataset(
                dvc_dir_hash(stage_dir("dataset"), workspace_root()),
                "outputs/dataset",
                dataset_profile(stats),
                "produced",
            )
        ctx.finish(dataset_metrics(stats))
