"""curation stage: every curation output scored against its ground truth: the corpus's own
(<download.corpus_dir>/ground_truth: the demo's, in-distribution; a corpus without one is reported
as such) and the held-out corpus's (data/holdout) -> metrics/curation.json: the corpus's figures at
the top level, the held-out corpus's under `holdout`, the two side by side."""

from pathlib import Path

from quiltkit.paths import DATA, stage_dir, workspace_root
from quiltkit.scoring.curation import score_corpus, side_by_side
from quiltkit.stage import stage_context
from quiltkit.video.download import recorded_video_ids

if __name__ == "__main__":
    with stage_context("curation", section="pairs") as ctx:
        from quiltkit.text.vocabulary import core_vocabulary

        vocab, root = core_vocabulary(), workspace_root()
        corpus = score_corpus(
            Path(ctx.params.download.corpus_dir) / "ground_truth",
            stage_dir("asr"),
            stage_dir("frames"),
            stage_dir("text"),
            ctx.params.pairs,
            root,
            vocab=vocab,
            videos=recorded_video_ids(stage_dir("download")),
        )
        h = stage_dir("holdout")
        holdout = score_corpus(
            DATA / "holdout" / "ground_truth",
            h / "asr",
            h / "frames",
            h / "text",
            ctx.params.pairs,
            root,
            vocab=vocab,
            videos=recorded_video_ids(h / "download"),
        )
        ctx.finish({**corpus, "holdout": holdout, "side_by_side": side_by_side({"demo": corpus, "holdout": holdout})})
