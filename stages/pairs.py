"""pairs stage: outputs/frames + outputs/text -> outputs/pairs/<vid>.json (PairsFile)."""

from quiltkit.pairing.stage_run import run_pairs
from quiltkit.paths import stage_dir, workspace_root
from quiltkit.stage import stage_context

if __name__ == "__main__":
    with stage_context("pairs") as ctx:
        ctx.finish(
            run_pairs(
                ctx.params.pairs,
                stage_dir("frames"),
                stage_dir("text"),
                stage_dir("pairs"),
                root=workspace_root(),
                keywords_per_chunk=ctx.params.text.keywords_per_chunk,
            )
        )
