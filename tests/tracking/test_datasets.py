"""MLflow dataset lineage in a real SQLite store: a dataset version's runs, and a run's dataset."""

import json
import subprocess

import mlflow
import pytest

from quiltkit.tracking import StageTracker
from quiltkit.tracking.datasets import dataset_profile, dvc_dir_hash, runs_of_dataset, trained_on
from tests.tracking.test_mlflow_runs import workspace  # noqa: F401  (the fixture)

STATS = {
    "rows": 10,
    "images": 7,
    "rows_per_source_split": {"quilt_video": {"train": 6, "val": 1}, "quilt_release": {"train": 3}},
    "images_per_split": {"train": 6, "val": 1},
}


def test_runs_of_a_dataset_version_and_the_dataset_of_a_run(workspace):  # noqa: F811
    v1, v2 = "0" * 32 + ".dir", "f" * 32 + ".dir"
    with StageTracker("dataset", "sqlite:///mlflow.db", "t", {}) as made:
        made.log_dataset(v1, "outputs/dataset", dataset_profile(STATS), "produced")
    with StageTracker("train", "sqlite:///mlflow.db", "t", {}) as trained:
        trained.log_dataset(v1, "outputs/dataset", dataset_profile(STATS), "training")
    with StageTracker("train", "sqlite:///mlflow.db", "t", {}) as other:
        other.log_dataset(v2, "outputs/dataset", {}, "training")
    client = mlflow.MlflowClient(f"sqlite:///{workspace / 'mlflow.db'}")
    assert {r.info.run_id for r in runs_of_dataset(client, v1)} == {made.run_id, trained.run_id}
    inp = client.get_run(trained.run_id).inputs.dataset_inputs
    assert len(inp) == 1 and inp[0].dataset.digest == v1 and inp[0].dataset.source_type == "dvc"
    assert {t.key: t.value for t in inp[0].tags}["mlflow.data.context"] == "training"
    src = json.loads(inp[0].dataset.source)
    assert src["path"] == "outputs/dataset" and src["rev"]  # the commit (an empty repo has only HEAD)
    profile = json.loads(inp[0].dataset.profile)
    assert profile["rows"] == 10 and profile["rows_per_source"] == {"quilt_video": 7, "quilt_release": 3}
    with pytest.raises(ValueError, match="not a DVC md5"):
        runs_of_dataset(client, "x' OR 1=1")


def test_digest_is_what_dvc_records(tmp_path):
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(["dvc", "init", "-q"], cwd=tmp_path, check=True)
    d = tmp_path / "data"
    d.mkdir()
    (d / "a.txt").write_text("a")
    (d / "__pycache__").mkdir()
    (d / "__pycache__" / "x.pyc").write_bytes(b"\0")
    (tmp_path / ".dvcignore").write_text("__pycache__/\n")
    ours = dvc_dir_hash(d, tmp_path)
    subprocess.run(["dvc", "add", "-q", "data"], cwd=tmp_path, check=True)
    recorded = [ln.split(":")[1].strip() for ln in (tmp_path / "data.dvc").read_text().splitlines() if "md5:" in ln][0]
    assert ours == recorded and ours.endswith(".dir")


def test_trained_on(tmp_path):
    assert trained_on(tmp_path) == ""
    (tmp_path / "info.json").write_text(json.dumps({"dataset_version": "abc.dir"}))
    assert trained_on(tmp_path) == "abc.dir"
