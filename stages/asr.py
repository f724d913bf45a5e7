"""asr stage: outputs/download/<vid>.record.json -> outputs/asr/<vid>.json (Transcript)."""

from quiltkit.curation.reuse import per_video_inputs
from quiltkit.paths import stage_dir
from quiltkit.speech.stage_run import run_asr
from quiltkit.stage import stage_context

if __name__ == "__main__":
    with stage_context("asr") as ctx:
        p = ctx.params
        keys, inputs = per_video_inputs("asr", p)  # reads (and so checks) the inputs before any output is touched
        reuse = ctx.resume_outputs(stage_dir("asr"), videos=keys, per_video=inputs)  # persist: true in dvc.yaml
        ctx.finish(
            {
                **run_asr(
                    p.asr,
                    stage_dir("download"),
                    stage_dir("asr"),
                    execution=ctx.execution,
                ),
                **reuse,
            }
        )
