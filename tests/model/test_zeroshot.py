from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.metrics import balanced_accuracy_score, confusion_matrix
from torch.utils.data import DataLoader, TensorDataset

from quiltkit.model.zeroshot import classification_metrics, zeroshot_classifier, zeroshot_evaluate


def test_classifier_ensembles_templates(tiny_model):
    model, _, tok = tiny_model
    one = zeroshot_classifier(model, tok, ["tumor"], ["a histopathology image of {c}."], "cpu")
    two = zeroshot_classifier(
        model, tok, ["tumor"], ["a histopathology image of {c}.", "{c} presented in image."], "cpu"
    )
    assert not torch.allclose(one, two)  # the second template changes the ensemble
    with torch.no_grad():
        e = torch.nn.functional.normalize(
            model.encode_text(tok(["a histopathology image of tumor.", "tumor presented in image."])), dim=-1
        )
    expected = e.mean(0) / e.mean(0).norm()
    assert torch.allclose(two[0], expected, atol=1e-6)
    # {} placeholders (open_clip style) and class-specific dicts work too.
    same = zeroshot_classifier(model, tok, ["tumor"], ["a histopathology image of {}."], "cpu")
    assert torch.allclose(same, one, atol=1e-6)
    cupl = zeroshot_classifier(model, tok, ["tumor"], {"tumor": ["a histopathology image of tumor."]}, "cpu")
    assert torch.allclose(cupl, one, atol=1e-6)
    with pytest.raises(KeyError, match="tumor"):
        zeroshot_classifier(model, tok, ["tumor"], {"other": ["x"]}, "cpu")


def test_evaluate_restores_training_mode_and_scores(tiny_model):
    model, _, tok = tiny_model
    model.train()
    clf = zeroshot_classifier(model, tok, ["a", "b"], ["{c}"], "cpu")
    images = torch.randn(10, 3, 32, 32)
    labels = torch.tensor([0, 1] * 5)
    out = zeroshot_evaluate(model, clf, DataLoader(TensorDataset(images, labels), batch_size=4), "cpu")
    assert model.training  # the training callback gets its model back in train mode
    model.eval()
    assert out["n"] == 10 and len(out["confusion"]) == 2 and sum(map(sum, out["confusion"])) == 10
    assert "acc5" not in out


def test_classification_metrics_against_sklearn():
    rng = np.random.default_rng(0)
    logits = torch.tensor(rng.normal(size=(50, 6)), dtype=torch.float32)
    target = torch.tensor(rng.integers(0, 6, 50))
    m = classification_metrics(logits, target)
    pred = logits.argmax(1).numpy()
    assert m["balanced_accuracy"] == pytest.approx(balanced_accuracy_score(target.numpy(), pred))
    assert np.array_equal(np.array(m["confusion"]), confusion_matrix(target.numpy(), pred, labels=range(6)))
    assert m["acc5"] >= m["acc1"]
    with pytest.raises(ValueError, match="out of range"):
        classification_metrics(logits, torch.full((50,), 9))
