"""Stage: the whole curation (download -> asr -> frames -> text -> pairs) on the held-out corpus,
with the pipeline's own params and classifier -> outputs/holdout/<step>/."""

from quiltkit.curation.stage_run import STEPS, curate_corpus
from quiltkit.paths import DATA, stage_dir
from quiltkit.stage import stage_context

if __name__ == "__main__":
    with stage_context("holdout_curate", section="holdout") as ctx:
        out = stage_dir("holdout")
        ctx.resume_outputs(*(out / s for s in STEPS))  # persist: true in dvc.yaml; kept only if nothing changed
        p = ctx.params
        steps = curate_corpus(
            p,
            DATA / "holdout" / "video_list.csv",
            out,
            execution=ctx.execution,
        )
        ctx.finish(
            {name: {k: v for k, v in m.items() if isinstance(v, (int, float, str))} for name, m in steps.items()}
        )
