"""Training's zero-shot check scores with the evaluate stage's maths: the same number, computed
by hand from the same embeddings."""

import json

import torch

from quiltkit.model.factory import create_model
from quiltkit.model.patch_check import PatchSet, evaluate_patches
from quiltkit.model.zeroshot import classification_metrics, encode_images, zeroshot_classifier, zeroshot_logits

TEMPLATES = ["a histopathology image of {}.", "{}."]


def test_check_is_the_evaluate_stage_maths(tiny_data):
    model, _, preprocess, tok = create_model("quiltkit-micro", seed=2)
    got = evaluate_patches(model, tok, preprocess, tiny_data["patches"], tiny_data["classnames"], "val", TEMPLATES)
    classnames = json.loads(open(tiny_data["classnames"]).read())
    loader = torch.utils.data.DataLoader(PatchSet(tiny_data["patches"], classnames, "val", preprocess), batch_size=4)
    feats, targets = encode_images(model, loader, "cpu")
    want = classification_metrics(
        zeroshot_logits(feats, zeroshot_classifier(model, tok, classnames, TEMPLATES, "cpu")), targets
    )
    assert got["n"] == want["n"] == 10
    assert got["acc1"] == want["acc1"] and got["balanced_accuracy"] == want["balanced_accuracy"]
