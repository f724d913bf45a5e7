"""evaluate stage: zero-shot, linear probe and retrieval for every model in evaluate.models.

Reads outputs/train/export (the "trained" model) and the eval sets; writes outputs/eval/
(cached features, comparison.md/.json, per-model confusion files), metrics/eval.json and
metrics/plots/confusion_<dataset>.csv.
"""
from quiltkit.evaluation.runner import run_evaluation
from quiltkit.stage import stage_context

if __name__ == "__main__":
    # metrics/eval.json (the name dvc.yaml and the gate use) from the `evaluate` params section
    with stage_context("evaluate", metrics_name="eval") as ctx:
        ctx.finish(run_evaluation(ctx.params))
