"""Stage: build the held-out corpus (data/holdout): lectures in styles that never reach the
classifier's training frames or a threshold choice (quiltkit/demo/data/styles.yaml), scored beside
the demo by the curation stage."""

from pathlib import Path

from quiltkit.demo.corpus import build_corpus
from quiltkit.paths import DATA
from quiltkit.stage import stage_context

if __name__ == "__main__":
    with stage_context("holdout") as ctx:
        p = ctx.params
        metrics = build_corpus(
            p.holdout.corpus_params(p.demo),
            p.holdout.seed,
            out=DATA / "holdout",
            root=Path("."),
            workers=p.project.workers,
            sets=(),
            prefix="holdout",
        )
        ctx.finish(metrics)
