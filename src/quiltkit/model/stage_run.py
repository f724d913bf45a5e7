"""The model domain's stage driver: the train stage fits QuiltNet (model/training.py), exports it,
and records the run's dataset version and model artefact in MLflow."""

from __future__ import annotations

import json
from pathlib import Path

from quiltkit.config import TrainParams
from quiltkit.execution.context import Execution
from quiltkit.model.training import run_training
from quiltkit.tracking import provenance


def run_train(tp: TrainParams, execution: Execution = Execution()) -> dict:
    """The train stage: fit from execution.seed, export, and record the run (dataset version,
    model artefact) in the stage's MLflow run (execution.tracker) when there is one."""
    tracker = execution.tracker
    hashes = provenance.data_hashes(execution.root, "train")
    dataset_version = next((v for k, v in hashes.items() if k.startswith("dep:outputs/dataset")), None)
    metrics = run_training(tp, execution.seed, tracker=tracker, info={"dataset_version": dataset_version})
    if getattr(tracker, "run_id", None):
        import mlflow

        client = mlflow.MlflowClient(tracker.uri)
        client.set_tag(tracker.run_id, "dataset.version", dataset_version or "unknown (no dvc.lock entry yet)")
        from quiltkit.tracking.datasets import dataset_profile

        stats = Path(tp.train_data).parents[1] / "stats.json"  # outputs/dataset/stats.json, beside the shards
        profile = dataset_profile(json.loads(stats.read_text())) if stats.is_file() else {}
        tracker.log_dataset(dataset_version, "outputs/dataset", profile, "training")
        for f in ("model.pt", "model_config.json", "quiltnet.json", "info.json"):
            client.log_artifact(tracker.run_id, str(Path("outputs/train/export") / f), artifact_path="model")
    metrics["dataset_version"] = dataset_version
    return metrics
