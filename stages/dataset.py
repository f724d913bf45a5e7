"""dataset stage: outputs/pairs + external sources - eval images -> outputs/dataset (see docs/ARCHITECTURE.md)."""

from quiltkit.dataset.stage_run import run_dataset
from quiltkit.paths import stage_dir
from quiltkit.stage import stage_context

if __name__ == "__main__":
    with stage_context("dataset") as ctx:
        p = ctx.params
        ctx.finish(
            run_dataset(
                p.dataset,
                stage_dir("pairs"),
                stage_dir("dataset"),
                ctx.execution,
                download_dir=stage_dir("download"),
                corpus_dir=ctx.execution.root / p.download.corpus_dir,
                release_dir=stage_dir("release"),
            )
        )
