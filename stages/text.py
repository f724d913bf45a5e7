"""text stage: outputs/asr/<vid>.json -> outputs/text/<vid>.json (TextAnalysis)."""
from quiltkit.paths import stage_dir
from quiltkit.stage import stage_context
from quiltkit.text.stage_run import run_text

if __name__ == "__main__":
    with stage_context("text") as ctx:
        ctx.resume_outputs(stage_dir("text"))  # persist: true in dvc.yaml; kept only if nothing changed
        p = ctx.params
        ctx.finish(run_text(p.text, stage_dir("asr"), stage_dir("text"), workers=p.project.workers,
                            executor=p.project.executor, ray_address=p.project.ray_address))
