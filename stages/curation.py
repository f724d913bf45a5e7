"""curation stage: every curation output scored against its ground truth, the demo corpus's
(data/demo, in-distribution) and the held-out corpus's (data/holdout) -> metrics/curation.json:
the demo's figures at the top level, the held-out corpus's under `holdout`, the two side by side."""
from quiltkit.paths import DATA, stage_dir, workspace_root
from quiltkit.scoring.curation import score_corpus, side_by_side
from quiltkit.stage import stage_context

if __name__ == "__main__":
    with stage_context("curation", section="pairs") as ctx:
        from quiltkit.text.vocabulary import core_vocabulary

        vocab, root = core_vocabulary(), workspace_root()
        demo = score_corpus(DATA / "demo" / "ground_truth", stage_dir("asr"), stage_dir("frames"), stage_dir("text"),
                            ctx.params.pairs, root, vocab=vocab)
        h = stage_dir("holdout")
        holdout = score_corpus(DATA / "holdout" / "ground_truth", h / "asr", h / "frames", h / "text", ctx.params.pairs, root, vocab=vocab)
        ctx.finish({**demo, "holdout": holdout, "side_by_side": side_by_side({"demo": demo, "holdout": holdout})})
