"""End to end: the evaluate stage's library entry on a demo-style fixture with three models."""

from __future__ import annotations

import csv
import json
from collections import Counter

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image
from sklearn.metrics import accuracy_score, balanced_accuracy_score

from quiltkit.config import parse_params
from quiltkit.evaluation.stage_run import run_evaluate
from quiltkit.execution.context import Execution

from .conftest import CLASSES


def _params(name, models, **evaluate):
    ev = {
        "models": models,
        "linear_probe_fractions": [0.5, 1.0],
        "linear_probe_seeds": [0, 1],
        "linear_probe_c_grid": [0.1, 10.0],
        "batch_size": 16,
        **evaluate,
    }
    return parse_params({"train": {"model": name}, "evaluate": ev})


def _evaluate(params, **kw):
    """The driver as stages/evaluate.py calls it: its section, the stage's Execution (the seed:
    the untrained baseline's init) and the baseline's config."""
    return run_evaluate(params.evaluate, Execution(seed=params.project.seed), train_model=params.train.model, **kw)


def _read_confusion(path) -> list[dict]:
    with open(path) as fh:
        return list(csv.DictReader(fh))


@torch.no_grad()
def _retrieval_by_hand(tiny_model, root) -> dict:
    """The demo_retrieval numbers of the tiny model's weights, straight from open_clip and the
    fixture's CSV: ranks counted here (1 + wrong items scoring at least as high as the best
    right one), not by quiltkit.evaluation.retrieval."""
    model, preprocess, tokenizer = tiny_model
    with open(root / "data/demo/eval/retrieval.csv") as fh:
        rows = list(csv.DictReader(fh))
    ids = list(dict.fromkeys(r["image_id"] for r in rows))
    paths = {r["image_id"]: r["filepath"] for r in rows}
    img = F.normalize(
        model.encode_image(torch.stack([preprocess(Image.open(root / paths[i]).convert("RGB")) for i in ids])), dim=-1
    )
    txt = F.normalize(model.encode_text(tokenizer([r["caption"] for r in rows])), dim=-1)
    scores = (txt @ img.T).numpy()  # [captions, images]
    owner = np.array([ids.index(r["image_id"]) for r in rows])
    t2i = np.array(
        [
            1 + sum(scores[c, j] >= scores[c, owner[c]] for j in range(len(ids)) if j != owner[c])
            for c in range(len(rows))
        ]
    )
    i2t = []
    for i in range(len(ids)):
        best = scores[owner == i, i].max()
        i2t.append(1 + int((scores[owner != i, i] >= best).sum()))
    i2t = np.array(i2t)
    return {
        "t2i_R1": float((t2i <= 1).mean()),
        "i2t_R1": float((i2t <= 1).mean()),
        "t2i_R5": float((t2i <= 5).mean()),
        "i2t_R5": float((i2t <= 5).mean()),
        "t2i_median_rank": float(np.median(t2i)),
        "i2t_median_rank": float(np.median(i2t)),
        "t2i_mean_rank": float(t2i.mean()),
        "i2t_mean_rank": float(i2t.mean()),
    }


def test_run_evaluation_end_to_end(tiny_config, tiny_model, demo_eval, export_dir, monkeypatch, caplog):
    name, ckpt = tiny_config
    monkeypatch.chdir(demo_eval)
    params = _params(name, ["trained", "untrained", f"mine={name}:{ckpt}"])
    metrics = _evaluate(params, export_dir=export_dir)

    models = metrics["models"]
    assert list(models) == ["trained", "untrained", "mine"]  # in evaluate.models' order, "mine=" parsed to its label
    out = demo_eval / "outputs" / "eval"
    for label, per_ds in models.items():
        zs = per_ds["demo_patches"]["zeroshot"]
        assert zs["n"] == 12  # the fixture's test split: 4 patches of each of 3 classes
        assert "acc5" not in zs  # 3 classes
        # the numbers are those of the per-sample predictions the stage wrote, recomputed here
        rows = _read_confusion(out / "confusion" / f"{label}_demo_patches.csv")
        actual, predicted = [r["actual"] for r in rows], [r["predicted"] for r in rows]
        assert Counter(actual) == {c: 4 for c in CLASSES} and set(predicted) <= set(CLASSES)
        assert zs["acc1"] == pytest.approx(accuracy_score(actual, predicted))
        assert zs["balanced_accuracy"] == pytest.approx(balanced_accuracy_score(actual, predicted))
        lp = per_ds["demo_patches"]["linear_probe"]
        assert set(lp) == {"frac_0.5", "frac_1"}
        # Classes differ by mean colour: even random features let a linear probe beat chance (1/3).
        assert lp["frac_1"]["balanced_accuracy_mean"] > 0.6
        ret = per_ds["demo_retrieval"]["retrieval"]
        assert ret["n_images"] == 6 and ret["n_captions"] == 12
    # the trained export holds the tiny model's weights: its retrieval numbers are those computed
    # by hand from open_clip's own embeddings of the fixture's images and captions
    by_hand = _retrieval_by_hand(tiny_model, demo_eval)
    got = models["trained"]["demo_retrieval"]["retrieval"]
    assert {k: got[k] for k in by_hand} == pytest.approx(by_hand), (got, by_hand)
    # trained export and "mine" hold the same weights: same numbers.
    assert models["trained"]["demo_patches"]["zeroshot"] == models["mine"]["demo_patches"]["zeroshot"]
    assert models["trained"]["demo_retrieval"] == models["mine"]["demo_retrieval"]
    assert metrics["chance_balanced_accuracy"]["demo_patches"] == pytest.approx(1 / 3)

    table = (out / "comparison.md").read_text()
    assert "| trained |" in table and "| untrained |" in table and "| mine |" in table
    assert "- trained on demo_patches: zero-shot balanced accuracy" in table and "chance 0.333" in table
    assert json.loads((out / "comparison.json").read_text())["rows"][0]["model"] == "trained"
    assert (demo_eval / "metrics" / "plots" / "confusion.csv").read_text().splitlines()[0] == "actual,predicted"
    rows = _read_confusion(demo_eval / "metrics" / "plots" / "confusion.csv")
    assert metrics["confusion_plot"] == "trained/demo_patches"  # which model and dataset the fixed-name plot shows
    assert rows == _read_confusion(out / "confusion" / "trained_demo_patches.csv")  # and it is that one's
    assert (out / "features" / "trained" / "demo_patches_train.npz").exists()

    # A re-run reuses every cached feature file and gives identical metrics.
    caplog.clear()
    with caplog.at_level("INFO"):
        again = _evaluate(params, export_dir=export_dir)
    assert again == metrics
    assert "recomputing" not in caplog.text and "reusing" in caplog.text


def test_missing_dataset_is_recorded_not_fatal(tiny_config, demo_eval, monkeypatch):
    name, _ = tiny_config
    monkeypatch.chdir(demo_eval)
    params = _params(name, ["untrained"], zeroshot_datasets=["demo_patches", "pcam"], linear_probe_fractions=[])
    metrics = _evaluate(params)
    err = metrics["models"]["untrained"]["pcam"]["error"]
    # the dataset, what is wrong, and how to get it
    assert err.startswith("pcam: folder not found under ") and "camelyonpatch_level_2_split_" in err, err
    assert "zeroshot" in metrics["models"]["untrained"]["demo_patches"]


def test_unloadable_model_is_recorded_and_others_run(tiny_config, demo_eval, monkeypatch):
    name, _ = tiny_config
    monkeypatch.chdir(demo_eval)
    params = _params(name, ["trained", "untrained"], linear_probe_fractions=[])
    metrics = _evaluate(params, export_dir=demo_eval / "no_export")
    assert "run the train stage first" in metrics["models"]["trained"]["error"]
    assert "zeroshot" in metrics["models"]["untrained"]["demo_patches"]
    table = (demo_eval / "outputs/eval/comparison.md").read_text()
    assert "| trained |" in table and "run the train stage first" in table
    # the DVC plot falls to the first model that has a result
    assert (demo_eval / "metrics/plots/confusion.csv").exists() and metrics[
        "confusion_plot"
    ] == "untrained/demo_patches"
    with pytest.raises(ValueError, match="used twice"):
        _evaluate(_params(name, ["untrained", "x", "untrained"]))


def test_nothing_evaluable_fails(tiny_config, tmp_path, monkeypatch):
    name, _ = tiny_config
    monkeypatch.chdir(tmp_path)
    params = _params(name, ["untrained"])
    with pytest.raises(RuntimeError, match="no \\(model, dataset\\) pair"):
        _evaluate(params)


def test_benchmark_names_become_safe_metric_keys(tiny_config, demo_eval, monkeypatch):
    """A folder: dataset whose path has dots still yields dot-free keys (the gate splits on dots)."""
    import numpy as np
    from PIL import Image

    name, _ = tiny_config
    monkeypatch.chdir(demo_eval)
    root = demo_eval / "bench.v1"
    rng = np.random.default_rng(0)
    for s in ("train", "test"):
        for c in ("x", "y"):
            (root / s / c).mkdir(parents=True)
            for i in range(4):
                Image.fromarray(rng.integers(0, 255, (20, 20, 3), dtype=np.uint8)).save(root / s / c / f"{i}.png")
    params = _params(
        name,
        ["untrained"],
        zeroshot_datasets=[f"folder:{root}"],
        retrieval_datasets=[],
        linear_probe_fractions=[1.0],
        linear_probe_seeds=[0],
    )
    metrics = _evaluate(params)
    (key,) = metrics["models"]["untrained"]
    assert key == "folder_bench_v1" and "." not in key
    assert metrics["models"]["untrained"][key]["zeroshot"]["n"] == 8
    # a user's folder dataset fills the one plot dvc.yaml declares, whatever its name
    assert (demo_eval / "metrics/plots/confusion.csv").exists() and metrics[
        "confusion_plot"
    ] == "untrained/folder_bench_v1"
    assert (demo_eval / "outputs/eval/confusion/untrained_folder_bench_v1.csv").exists()
