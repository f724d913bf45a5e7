"""evaluate stage: zero-shot, linear probe and retrieval for every model in evaluate.models.

Reads outputs/train/export (the "trained" model) and the eval sets; writes outputs/eval/
(cached features, comparison.md/.json, per-model confusion files), metrics/eval.json and
metrics/plots/confusion_<dataset>.csv.
"""

from quiltkit.evaluation.models import TRAINED_EXPORT
from quiltkit.evaluation.stage_run import run_evaluation
from quiltkit.stage import stage_context
from quiltkit.tracking.datasets import trained_on

if __name__ == "__main__":
    # metrics/eval.json (the name dvc.yaml and the gate use) from the `evaluate` params section
    with stage_context("evaluate", metrics_name="eval") as ctx:
        p = ctx.params
        metrics = run_evaluation(p.evaluate, p.train.model, p.project.seed)
        # the dataset the trained model learnt from, as this run's input (its export records it)
        ctx.tracker.log_dataset(
            trained_on(TRAINED_EXPORT), "outputs/dataset", {"via": str(TRAINED_EXPORT / "info.json")}, "evaluation"
        )
        ctx.finish(metrics)
