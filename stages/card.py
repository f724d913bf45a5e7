"""card stage: outputs/dataset -> outputs/card/index.html (a self-contained dataset card)."""

from quiltkit.dataset.card import run_card
from quiltkit.paths import stage_dir
from quiltkit.stage import stage_context

if __name__ == "__main__":
    with stage_context("card", section="dataset") as ctx:
        ctx.finish(run_card(ctx.params.dataset, stage_dir("dataset"), stage_dir("card") / "index.html", ctx.execution))
