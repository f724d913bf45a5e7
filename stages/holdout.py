"""holdout stage: the held-out corpus (data/holdout): lectures in styles that never reach the
classifier's training frames or a threshold choice (quiltkit/demo/data/styles.yaml), scored beside
the demo by the curation stage."""

from quiltkit.demo.stage_run import run_holdout
from quiltkit.paths import DATA
from quiltkit.stage import stage_context

if __name__ == "__main__":
    with stage_context("holdout") as ctx:
        p = ctx.params
        ctx.finish(run_holdout(p.holdout, DATA / "holdout", ctx.execution, demo=p.demo))
