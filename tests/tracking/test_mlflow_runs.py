"""Stage runs land in one real SQLite MLflow store, grouped under one pipeline run."""
import subprocess

import pytest

from quiltkit.tracking import StageTracker
from quiltkit.tracking.mlflow_runs import scrub


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    (tmp_path / "dvc.yaml").write_text("stages: {}\n")
    (tmp_path / "params.yaml").write_text("train: {epochs: 1}\n")
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("QUILTKIT_NO_MLFLOW", "0")
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("QUILTKIT_REPO_ROOT", raising=False)
    return tmp_path


def test_stages_share_a_parent_and_keep_secrets_out(workspace):
    import mlflow

    params = {"llm": {"api_key": "sk-SECRET", "model": "m"}, "epochs": 3}
    with StageTracker("asr", "sqlite:///mlflow.db", "t", params) as a:
        a.log_metrics({"wer": 0.1, "nested": {"x": 2}})
    with StageTracker("train", "sqlite:///mlflow.db", "t", {"epochs": 3}) as b:
        b.log_metrics({"loss": 1.5}, step=3)
    assert (workspace / "mlflow.db").exists()
    client = mlflow.MlflowClient(f"sqlite:///{workspace / 'mlflow.db'}")
    ra, rb = client.get_run(a.run_id), client.get_run(b.run_id)
    assert ra.data.tags["mlflow.parentRunId"] == rb.data.tags["mlflow.parentRunId"]
    assert ra.data.params["llm.api_key"] == "***"
    assert "sk-SECRET" not in str(ra.data.params)
    assert ra.data.metrics["nested.x"] == 2.0
    assert rb.data.tags["quiltkit.stage"] == "train"
    assert ra.info.status == "FINISHED"


def test_failed_stage_marks_run_failed(workspace):
    import mlflow

    with pytest.raises(RuntimeError):
        with StageTracker("frames", "sqlite:///mlflow.db", "t", {}) as t:
            raise RuntimeError("boom")
    client = mlflow.MlflowClient(f"sqlite:///{workspace / 'mlflow.db'}")
    assert client.get_run(t.run_id).info.status == "FAILED"


def test_scrub():
    assert scrub({"api_key_env": "X", "token": "t", "lr": 1}) == {"api_key_env": "***", "token": "***", "lr": 1}
