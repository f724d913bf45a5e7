"""histo_classifier stage: labelled frames -> outputs/histo_classifier/model.json (stain backend)."""
from pathlib import Path

from quiltkit.paths import stage_dir
from quiltkit.stage import stage_context
from quiltkit.video.histology import train_stain_model

LABELS = Path("data/demo/classifier_frames/labels.csv")

if __name__ == "__main__":
    with stage_context("histo_classifier", section="frames") as ctx:
        model, metrics = train_stain_model(LABELS, seed=ctx.params.project.seed)
        model.save(stage_dir("histo_classifier") / "model.json")
        metrics["backend"] = "stain"
        ctx.finish(metrics)
