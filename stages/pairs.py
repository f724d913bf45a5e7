"""pairs stage: outputs/frames + outputs/text -> outputs/pairs/<vid>.json (PairsFile)."""

from quiltkit.pairing.stage_run import run_pairs
from quiltkit.paths import stage_dir
from quiltkit.stage import stage_context

if __name__ == "__main__":
    with stage_context("pairs") as ctx:
        p = ctx.params
        ctx.finish(
            run_pairs(
                p.pairs,
                stage_dir("frames"),
                stage_dir("text"),
                stage_dir("pairs"),
                ctx.execution,
                keywords_per_chunk=p.text.keywords_per_chunk,
            )
        )
