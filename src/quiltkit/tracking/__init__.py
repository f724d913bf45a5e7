"""MLflow tracking: one run per stage, grouped under one pipeline run."""

from quiltkit.tracking.mlflow_runs import StageTracker, tracking_uri

__all__ = ["StageTracker", "tracking_uri"]
