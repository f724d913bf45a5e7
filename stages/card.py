"""card stage: outputs/dataset -> outputs/card/index.html (a self-contained dataset card)."""

from quiltkit.dataset.card import build_card, card_version
from quiltkit.paths import stage_dir, workspace_root
from quiltkit.stage import stage_context

if __name__ == "__main__":
    with stage_context("card", section="dataset") as ctx:
        ctx.finish(
            build_card(
                stage_dir("dataset"),
                stage_dir("card") / "index.html",
                ctx.params.dataset.card_samples,
                ctx.params.project.seed,
                card_version(workspace_root()),
            )
        )
