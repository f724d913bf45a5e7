"""histo_classifier stage: labelled frames (frames.histology.train_frames) -> the histology
classifier of frames.histology.backend in outputs/histo_classifier/model.json. With
frames.histology.model_path set, nothing is trained: the model is loaded once, to fail here
rather than in the frames stage, and recorded."""

from quiltkit.paths import stage_dir
from quiltkit.stage import stage_context
from quiltkit.video.stage_run import run_histo_classifier

if __name__ == "__main__":
    with stage_context("histo_classifier", section="frames") as ctx:
        ctx.finish(run_histo_classifier(ctx.params.frames.histology, stage_dir("histo_classifier"), ctx.execution))
