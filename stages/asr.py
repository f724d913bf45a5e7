"""asr stage: outputs/download/<vid>.record.json -> outputs/asr/<vid>.json (Transcript)."""
from quiltkit.paths import stage_dir
from quiltkit.speech.stage_run import run_asr
from quiltkit.stage import stage_context

if __name__ == "__main__":
    with stage_context("asr") as ctx:
        ctx.resume_outputs(stage_dir("asr"))  # persist: true in dvc.yaml; kept only if nothing changed
        p = ctx.params
        ctx.finish(run_asr(p.asr, stage_dir("download"), stage_dir("asr"), workers=p.project.workers,
                           executor=p.project.executor, ray_address=p.project.ray_address))
