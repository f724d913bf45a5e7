"""release stage: Quilt-1M's release files + its videos -> outputs/release (images, rows.csv, fidelity.json)."""

from quiltkit.paths import stage_dir
from quiltkit.release.stage_run import run_release
from quiltkit.stage import stage_context

if __name__ == "__main__":
    with stage_context("release") as ctx:
        p = ctx.params
        ctx.finish(run_release(p.release, stage_dir("release"), ctx.execution, histology=p.frames.histology))
