"""evaluate stage: zero-shot, linear probe and retrieval for every model in evaluate.models.
Reads outputs/train/export (the "trained" model) and the eval sets; writes outputs/eval/
(cached features, comparison.md/.json, per-model confusion files), metrics/eval.json and
metrics/plots/confusion_<dataset>.csv.
"""

from quiltkit.evaluation.stage_run import run_evaluate
from quiltkit.stage import stage_context

if __name__ == "__main__":
    with stage_context("evaluate", metrics_name="eval") as ctx:
        p = ctx.params
        ctx.finish(run_evaluate(p.evaluate, ctx.execution, train_model=p.train.model))
