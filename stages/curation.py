"""curation stage: every curation output scored against data/demo/ground_truth -> metrics/curation.json."""
from quiltkit.paths import DATA, stage_dir, workspace_root
from quiltkit.scoring.curation import score_corpus
from quiltkit.stage import stage_context

if __name__ == "__main__":
    with stage_context("curation", section="pairs") as ctx:
        from quiltkit.text.vocabulary import core_vocabulary

        ctx.finish(score_corpus(DATA / "demo" / "ground_truth", stage_dir("asr"), stage_dir("frames"), stage_dir("text"),
                                ctx.params.pairs, workspace_root(), vocab=core_vocabulary()))
