"""download stage: video list CSV -> outputs/download/<vid>.{mp4,info.json,record.json}."""

from quiltkit.curation.reuse import per_video_inputs
from quiltkit.paths import stage_dir
from quiltkit.stage import stage_context
from quiltkit.video.stage_run import run_download

if __name__ == "__main__":
    with stage_context("download") as ctx:
        p = ctx.params
        keys, inputs = per_video_inputs("download", p)  # reads (and so checks) the inputs before any output is touched
        reuse = ctx.resume_outputs(stage_dir("download"), videos=keys, per_video=inputs)  # persist: true in dvc.yaml
        ctx.finish(
            {
                **run_download(
                    p.download,
                    stage_dir("download"),
                    execution=ctx.execution,
                ),
                **reuse,
            }
        )
