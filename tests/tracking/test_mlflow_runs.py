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


_CHILD = """
import sys, time
from pathlib import Path
from quiltkit.tracking import StageTracker
with StageTracker("asr", "sqlite:///mlflow.db", "t", {}) as t:
    Path("run_id").write_text(t.run_id)
    time.sleep(120)
"""


def _start_child(workspace):
    import os
    import sys
    import time

    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen([sys.executable, "-c", _CHILD], cwd=workspace, env=env)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            # written with one write, but the file exists (empty) a moment before that
            run_id = (workspace / "run_id").read_text() if (workspace / "run_id").exists() else ""
            if run_id:
                return proc, run_id
            if proc.poll() is not None:
                raise AssertionError(f"the child stage exited early ({proc.returncode})")
            time.sleep(0.1)
        raise AssertionError("the child stage never started its run")
    except BaseException:
        _stop(proc)
        raise


def _stop(proc):
    """The child's sleep only keeps it alive until the test ends it: never leave it running."""
    if proc.poll() is None:
        proc.kill()
    proc.wait(30)


@pytest.mark.timeout(180)
def test_sigterm_ends_the_run_killed(workspace):
    import signal

    import mlflow

    proc, run_id = _start_child(workspace)
    try:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) != 0
    finally:
        _stop(proc)
    client = mlflow.MlflowClient(f"sqlite:///{workspace / 'mlflow.db'}")
    assert client.get_run(run_id).info.status == "KILLED"


@pytest.mark.timeout(180)
def test_a_kill_9_run_is_ended_killed_by_the_next_run_of_its_stage(workspace):
    import mlflow

    proc, run_id = _start_child(workspace)
    try:
        proc.kill()
        proc.wait(60)
    finally:
        _stop(proc)
    client = mlflow.MlflowClient(f"sqlite:///{workspace / 'mlflow.db'}")
    assert client.get_run(run_id).info.status == "RUNNING"  # nothing could catch SIGKILL
    with StageTracker("frames", "sqlite:///mlflow.db", "t", {}):
        pass
    assert client.get_run(run_id).info.status == "RUNNING"  # another stage's run is not its business
    with StageTracker("asr", "sqlite:///mlflow.db", "t", {}) as again:
        pass
    assert client.get_run(run_id).info.status == "KILLED"
    assert client.get_run(again.run_id).info.status == "FINISHED"
