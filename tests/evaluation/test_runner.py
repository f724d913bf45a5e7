"""End to end: the evaluate stage's library entry on a demo-style fixture with three models."""
from __future__ import annotations

import csv
import json

import pytest

from quiltkit.config import parse_params
from quiltkit.evaluation.runner import run_evaluation


def _params(name, models, **evaluate):
    ev = {"models": models, "linear_probe_fractions": [0.5, 1.0], "linear_probe_seeds": [0, 1],
          "linear_probe_c_grid": [0.1, 10.0], "batch_size": 16, **evaluate}
    return parse_params({"train": {"model": name}, "evaluate": ev})


def test_run_evaluation_end_to_end(tiny_config, demo_eval, export_dir, monkeypatch, caplog):
    name, ckpt = tiny_config
    monkeypatch.chdir(demo_eval)
    params = _params(name, ["trained", "untrained", f"mine={name}:{ckpt}"])
    metrics = run_evaluation(params, export_dir=export_dir)

    models = metrics["models"]
    assert set(models) == {"trained", "untrained", "mine"}
    for label, per_ds in models.items():
        zs = per_ds["demo_patches"]["zeroshot"]
        assert 0 <= zs["balanced_accuracy"] <= 1 and zs["n"] == 12
        assert "acc5" not in zs  # 3 classes
        lp = per_ds["demo_patches"]["linear_probe"]
        assert set(lp) == {"frac_0.5", "frac_1"}
        # Classes differ by mean colour: even random features let a linear probe beat chance (1/3).
        assert lp["frac_1"]["balanced_accuracy_mean"] > 0.6
        ret = per_ds["demo_retrieval"]["retrieval"]
        assert ret["n_images"] == 6 and ret["n_captions"] == 12
        assert 1 <= ret["t2i_median_rank"] <= 6
    # trained export and "mine" hold the same weights: same numbers.
    assert models["trained"]["demo_patches"]["zeroshot"] == models["mine"]["demo_patches"]["zeroshot"]
    assert metrics["chance_balanced_accuracy"]["demo_patches"] == pytest.approx(1 / 3)

    out = demo_eval / "outputs" / "eval"
    table = (out / "comparison.md").read_text()
    assert "| trained |" in table and "| untrained |" in table and "| mine |" in table
    assert "- trained on demo_patches: zero-shot balanced accuracy" in table and "chance 0.333" in table
    assert json.loads((out / "comparison.json").read_text())["rows"][0]["model"] == "trained"
    with open(demo_eval / "metrics" / "plots" / "confusion.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 12 and set(rows[0]) == {"actual", "predicted"}
    assert metrics["confusion_plot"] == "trained/demo_patches"  # which model and dataset the fixed-name plot shows
    assert {r["actual"] for r in rows} == {"adipose tissue", "lymphoid tissue", "fibrous stroma"}
    assert (out / "features" / "trained" / "demo_patches_train.npz").exists()

    # A re-run reuses every cached feature file and gives identical metrics.
    caplog.clear()
    with caplog.at_level("INFO"):
        again = run_evaluation(params, export_dir=export_dir)
    assert again == metrics
    assert "recomputing" not in caplog.text and "reusing" in caplog.text


def test_missing_dataset_is_recorded_not_fatal(tiny_config, demo_eval, monkeypatch):
    name, _ = tiny_config
    monkeypatch.chdir(demo_eval)
    params = _params(name, ["untrained"], zeroshot_datasets=["demo_patches", "pcam"], linear_probe_fractions=[])
    metrics = run_evaluation(params)
    err = metrics["models"]["untrained"]["pcam"]["error"]
    assert "camelyonpatch" in err or "folder not found" in err
    assert "zeroshot" in metrics["models"]["untrained"]["demo_patches"]


def test_unloadable_model_is_recorded_and_others_run(tiny_config, demo_eval, monkeypatch):
    name, _ = tiny_config
    monkeypatch.chdir(demo_eval)
    params = _params(name, ["trained", "untrained"], linear_probe_fractions=[])
    metrics = run_evaluation(params, export_dir=demo_eval / "no_export")
    assert "run the train stage first" in metrics["models"]["trained"]["error"]
    assert "zeroshot" in metrics["models"]["untrained"]["demo_patches"]
    table = (demo_eval / "outputs/eval/comparison.md").read_text()
    assert "| trained |" in table and "run the train stage first" in table
    # the DVC plot falls to the first model that has a result
    assert (demo_eval / "metrics/plots/confusion.csv").exists() and metrics["confusion_plot"] == "untrained/demo_patches"
    with pytest.raises(ValueError, match="used twice"):
        run_evaluation(_params(name, ["untrained", "x", "untrained"]))


def test_nothing_evaluable_fails(tiny_config, tmp_path, monkeypatch):
    name, _ = tiny_config
    monkeypatch.chdir(tmp_path)
    params = _params(name, ["untrained"])
    with pytest.raises(RuntimeError, match="no \\(model, dataset\\) pair"):
        run_evaluation(params)


def test_benchmark_names_become_safe_metric_keys(tiny_config, demo_eval, monkeypatch):
    """A folder: dataset whose path has dots still yields dot-free keys (the gate splits on dots)."""
    from PIL import Image
    import numpy as np

    name, _ = tiny_config
    monkeypatch.chdir(demo_eval)
    root = demo_eval / "bench.v1"
    rng = np.random.default_rng(0)
    for s in ("train", "test"):
        for c in ("x", "y"):
            (root / s / c).mkdir(parents=True)
            for i in range(4):
                Image.fromarray(rng.integers(0, 255, (20, 20, 3), dtype=np.uint8)).save(root / s / c / f"{i}.png")
    params = _params(name, ["untrained"], zeroshot_datasets=[f"folder:{root}"], retrieval_datasets=[],
                     linear_probe_fractions=[1.0], linear_probe_seeds=[0])
    metrics = run_evaluation(params)
    (key,) = metrics["models"]["untrained"]
    assert key == "folder_bench_v1" and "." not in key
    assert metrics["models"]["untrained"][key]["zeroshot"]["n"] == 8
    # a user's folder dataset fills the one plot dvc.yaml declares, whatever its name
    assert (demo_eval / "metrics/plots/confusion.csv").exists() and metrics["confusion_plot"] == "untrained/folder_bench_v1"
    assert (demo_eval / "outputs/eval/confusion/untrained_folder_bench_v1.csv").exists()
