"""frames stage: downloaded videos -> outputs/frames/<vid>.json (FrameAnalysis) + chunk images."""

from quiltkit.curation.reuse import per_video_inputs
from quiltkit.paths import stage_dir
from quiltkit.stage import stage_context
from quiltkit.video.stage_run import run_frames

if __name__ == "__main__":
    with stage_context("frames") as ctx:
        p = ctx.params
        keys, inputs = per_video_inputs("frames", p)  # reads (and so checks) the inputs before any output is touched
        reuse = ctx.resume_outputs(stage_dir("frames"), videos=keys, per_video=inputs)  # persist: true in dvc.yaml
        ctx.finish(
            {
                **run_frames(
                    p.frames,
                    stage_dir("download"),
                    stage_dir("frames"),
                    execution=ctx.execution,
                ),
                **reuse,
            }
        )
