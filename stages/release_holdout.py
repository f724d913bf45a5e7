"""release_holdout stage: the held-out corpus's fixture release rebuilt with the release stage's
params -> outputs/release_holdout. Scored beside the demo's; its rows never reach the dataset."""

from quiltkit.paths import RELEASE_FIXTURES, stage_dir
from quiltkit.release.stage_run import run_release
from quiltkit.stage import stage_context

if __name__ == "__main__":
    with stage_context("release_holdout", section="release") as ctx:
        p = ctx.params
        fixture = {"dir": str(RELEASE_FIXTURES["holdout"][1]), "videos": [], "enabled": True}
        held_out = p.release.model_copy(update=fixture)
        ctx.finish(run_release(held_out, stage_dir("release_holdout"), ctx.execution, histology=p.frames.histology))
