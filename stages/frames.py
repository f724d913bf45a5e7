"""frames stage: downloaded videos -> outputs/frames/<vid>.json (FrameAnalysis) + chunk images."""
from quiltkit.paths import stage_dir
from quiltkit.stage import stage_context
from quiltkit.video.frames_run import run_frames

if __name__ == "__main__":
    with stage_context("frames") as ctx:
        ctx.resume_outputs(stage_dir("frames"))  # persist: true in dvc.yaml; kept only if nothing changed
        p = ctx.params
        ctx.finish(run_frames(p.frames, stage_dir("download"), stage_dir("frames"), seed=p.project.seed,
                              workers=p.project.workers, executor=p.project.executor, ray_address=p.project.ray_address))
