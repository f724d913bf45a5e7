"""Zero-shot monitoring: the evaluation module when present, else the local fallback; same numbers."""
import sys

from quiltkit.model.factory import create_model
from quiltkit.model.zeroshot import evaluate_patches

TEMPLATES = ["a histopathology image of {}.", "{}."]


def test_fallback_agrees_with_evaluation_module(tiny_data, monkeypatch):
    model, _, preprocess, tok = create_model("quiltkit-micro", seed=2)
    args = (model, tok, preprocess, tiny_data["patches"], tiny_data["classnames"], "val", TEMPLATES)
    shared = evaluate_patches(*args)
    monkeypatch.setitem(sys.modules, "quiltkit.evaluation.zeroshot", None)  # import now raises ImportError
    local = evaluate_patches(*args)
    assert shared["n"] == local["n"] == 10
    assert abs(shared["acc1"] - local["acc1"]) < 1e-6
    assert abs(shared["balanced_accuracy"] - local["balanced_accuracy"]) < 1e-6
