"""The scoring domain's stage driver: the curation stage scores every curation output of a
corpus against that corpus's ground truth, for the pipeline's own corpus and the held-out one,
and puts the two side by side.

A corpus here is where its truth lies and where its curation wrote: `<curated>/{download,asr,
frames,text}` (outputs/ for the pipeline's corpus, outputs/holdout/ for the held-out one).
"""

from __future__ import annotations

from pathlib import Path

from quiltkit.config import PairsParams
from quiltkit.execution.context import Execution
from quiltkit.scoring.curation import score_corpus, side_by_side
from quiltkit.video.download import recorded_video_ids


def run_curation(pairs: PairsParams, corpora: dict[str, tuple[Path, Path]], execution: Execution = Execution()) -> dict:
    """`corpora`: {name: (ground-truth dir, curated outputs dir)}, the in-distribution corpus
    first. Its figures go at the top level of the metrics, every other corpus's under its name,
    and all of them under `side_by_side`. Every corpus is scored with the same vocabulary and
    the same pairs params, the only way the figures compare."""
    from quiltkit.text.vocabulary import core_vocabulary

    vocab = core_vocabulary()
    scored = {
        name: score_corpus(
            truth,
            curated / "asr",
            curated / "frames",
            curated / "text",
            pairs,
            execution.root,
            vocab=vocab,
            videos=recorded_video_ids(curated / "download"),
        )
        for name, (truth, curated) in corpora.items()
    }
    first, *others = scored
    return {**scored[first], **{name: scored[name] for name in others}, "side_by_side": side_by_side(scored)}
