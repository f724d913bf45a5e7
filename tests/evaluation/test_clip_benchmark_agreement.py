"""Independent check: our metrics equal clip_benchmark's on the same embeddings (to 1e-6).

clip_benchmark (installed with --no-deps) is imported directly: its two metric modules need only
torch, sklearn and tqdm, all present. We call its own functions, not copies of them.
"""

from __future__ import annotations

# clip_benchmark is pinned in requirements.lock: missing, it must fail the run, not skip the check
import clip_benchmark.metrics.zeroshot_classification as cb_zs
import clip_benchmark.metrics.zeroshot_retrieval as cb_ret
import pytest
import torch
import torch.nn.functional as F
from sklearn.metrics import balanced_accuracy_score

from quiltkit.evaluation.retrieval import retrieval_metrics
from quiltkit.model.zeroshot import classification_metrics, zeroshot_classifier, zeroshot_logits


def _cb_accuracy(logits, target, topk):
    """clip_benchmark's accuracy(); under numpy 2 its last line (float() of a 1-element array)
    raises TypeError, so on that error we run a line-by-line transcription of its body with
    .item() in place of float(array). Everything else is their code path."""
    try:
        return cb_zs.accuracy(logits, target, topk=topk)
    except TypeError:
        pred = logits.topk(max(topk), 1, True, True)[1].t()
        correct = pred.eq(target.view(1, -1).expand_as(pred))
        n = len(target)
        return [correct[:k].reshape(-1).float().sum(0, keepdim=True).item() / n for k in topk]


@pytest.mark.parametrize("n_classes", [3, 7])
def test_classification_metrics_match(n_classes):
    g = torch.Generator().manual_seed(n_classes)
    img = F.normalize(torch.randn(200, 16, generator=g), dim=-1)
    clf = F.normalize(torch.randn(n_classes, 16, generator=g), dim=-1)
    # Make the task learnable-ish so accuracies are not all near chance.
    target = torch.randint(0, n_classes, (200,), generator=g)
    img = F.normalize(img + 0.8 * clf[target], dim=-1)
    logits = zeroshot_logits(img, clf)
    ours = classification_metrics(logits, target)

    theirs_logits = 100.0 * img @ clf.T  # what run_classification computes (classifier is [D, C] there)
    ks = (1, 5) if n_classes >= 5 else (1,)
    accs = _cb_accuracy(theirs_logits, target, ks)
    bacc = balanced_accuracy_score(target, theirs_logits.argmax(dim=1))
    assert ours["acc1"] == pytest.approx(accs[0], abs=1e-6)
    assert ours["balanced_accuracy"] == pytest.approx(bacc, abs=1e-6)
    if n_classes >= 5:
        assert ours["acc5"] == pytest.approx(accs[1], abs=1e-6)
    else:
        assert "acc5" not in ours


def test_zeroshot_classifier_matches(tiny_model):
    model, _, tokenizer = tiny_model
    classes = ["adipose tissue", "lymphocytes", "tumor"]
    templates = ["a histopathology image of {c}.", "an H&E stained image of {c}.", "{c} presented in image."]
    ours = zeroshot_classifier(model, tokenizer, classes, templates, "cpu")
    theirs = cb_zs.zero_shot_classifier(model, tokenizer, classes, templates, "cpu", amp=False)  # [D, C]
    assert ours.shape == (3, model.text_projection.shape[1])
    assert torch.allclose(ours, theirs.T, atol=1e-6)
    assert torch.allclose(ours.norm(dim=1), torch.ones(3), atol=1e-6)


def test_retrieval_recall_matches():
    g = torch.Generator().manual_seed(3)
    n_img, per = 30, 3
    img = F.normalize(torch.randn(n_img, 16, generator=g), dim=-1)
    t2i = torch.arange(n_img).repeat_interleave(per)
    txt = F.normalize(img[t2i] + 0.9 * torch.randn(len(t2i), 16, generator=g), dim=-1)
    ours = retrieval_metrics(img.numpy(), txt.numpy(), t2i.numpy())

    scores = txt @ img.T
    positive = torch.zeros_like(scores, dtype=torch.bool)
    positive[torch.arange(len(scores)), t2i] = True
    for k in (1, 5, 10):
        t2i_r = (cb_ret.batchify(cb_ret.recall_at_k, scores, positive, 16, "cpu", k=k) > 0).float().mean().item()
        i2t_r = (cb_ret.batchify(cb_ret.recall_at_k, scores.T, positive.T, 16, "cpu", k=k) > 0).float().mean().item()
        # clip_benchmark calls t2i "image_retrieval" and i2t "text_retrieval".
        assert ours[f"t2i_R{k}"] == pytest.approx(t2i_r, abs=1e-6)
        assert ours[f"i2t_R{k}"] == pytest.approx(i2t_r, abs=1e-6)
    assert 0 < ours["t2i_R1"] < 1  # a non-degenerate case, so agreement means something
