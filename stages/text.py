"""text stage: outputs/asr/<vid>.json -> outputs/text/<vid>.json (TextAnalysis)."""

from quiltkit.curation.reuse import per_video_inputs
from quiltkit.paths import stage_dir
from quiltkit.stage import stage_context
from quiltkit.text.stage_run import run_text

if __name__ == "__main__":
    with stage_context("text") as ctx:
        p = ctx.params
        keys, inputs = per_video_inputs("text", p)  # reads (and so checks) the inputs before any output is touched
        reuse = ctx.resume_outputs(stage_dir("text"), videos=keys, per_video=inputs)  # persist: true in dvc.yaml
        ctx.finish(
            {
                **run_text(
                    p.text,
                    stage_dir("asr"),
                    stage_dir("text"),
                    execution=ctx.execution,
                ),
                **reuse,
            }
        )
