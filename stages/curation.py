"""curation stage: every curation output scored against its ground truth: the corpus's own
(<download.corpus_dir>/ground_truth: the demo's, in-distribution; a corpus without one is reported
as such) and the held-out corpus's (data/holdout) -> metrics/curation.json: the corpus's figures at
the top level, the held-out corpus's under `holdout`, the two side by side."""

from pathlib import Path

from quiltkit.paths import DATA, OUTPUTS, stage_dir
from quiltkit.scoring.stage_run import run_curation
from quiltkit.stage import stage_context

if __name__ == "__main__":
    with stage_context("curation", section="pairs") as ctx:
        p = ctx.params
        corpora = {
            "demo": (Path(p.download.corpus_dir) / "ground_truth", OUTPUTS),
            "holdout": (DATA / "holdout" / "ground_truth", stage_dir("holdout")),
        }
        ctx.finish(run_curation(p.pairs, corpora, ctx.execution))
