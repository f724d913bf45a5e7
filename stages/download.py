"""download stage: video list CSV -> outputs/download/<vid>.{mp4,info.json,record.json}."""
from quiltkit.paths import stage_dir
from quiltkit.stage import stage_context
from quiltkit.video.download import run_download

if __name__ == "__main__":
    with stage_context("download") as ctx:
        ctx.resume_outputs(stage_dir("download"))  # persist: true in dvc.yaml; kept only if nothing changed
        p = ctx.params
        ctx.finish(run_download(p.download, stage_dir("download"), workers=p.project.workers,
                                executor=p.project.executor, ray_address=p.project.ray_address))
