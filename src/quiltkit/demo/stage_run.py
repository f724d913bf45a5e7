"""The demo domain's stage drivers: the corpora the pipeline measures itself against.

    run_demo             demo             -> data/demo     (videos, ground truth, still-image sets)
    run_holdout          holdout          -> data/holdout  (styles that never reach training or a threshold)

Each takes its params section and the stage's Execution, like every other domain's driver. The
release_fixture stage's driver, run_release_fixture, sits in release_fixture.py: that stage then
depends on the fixture's modules alone, and a change to them does not re-render the corpora.
"""

from __future__ import annotations

from pathlib import Path

from quiltkit.config import DemoParams, HoldoutParams
from quiltkit.demo.corpus import build_corpus
from quiltkit.execution.context import Execution
from quiltkit.paths import DATA


def run_demo(demo: DemoParams, out: Path = DATA / "demo", execution: Execution = Execution()) -> dict:
    """The demo corpus from execution.seed (project.seed), its CSV paths relative to execution.root."""
    return build_corpus(demo, execution.seed, out=out, root=execution.root, workers=execution.workers)


def run_holdout(
    holdout: HoldoutParams, out: Path = DATA / "holdout", execution: Execution = Execution(), *, demo: DemoParams
) -> dict:
    """The held-out corpus: the demo's frame size, fps and classes with the held-out styles,
    voices and seed (holdout.seed, not the project's: a new project seed must not move the
    corpus every held-out figure is measured on). No still-image sets: it is only scored."""
    return build_corpus(
        holdout.corpus_params(demo),
        holdout.seed,
        out=out,
        root=execution.root,
        workers=execution.workers,
        sets=(),
        prefix="holdout",
    )
