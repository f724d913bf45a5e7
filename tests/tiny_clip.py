"""A tiny random-init open_clip model (no hub), for every test that needs a CLIP to run through:
registered with open_clip under qk-eval-tiny, saved as a state_dict (tests/conftest.py makes the
fixtures visible everywhere)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

TINY_CFG = {
    "embed_dim": 32,
    "vision_cfg": {"image_size": 32, "layers": 1, "width": 32, "head_width": 16, "patch_size": 8},
    "text_cfg": {"context_length": 16, "vocab_size": 49408, "width": 32, "heads": 2, "layers": 1},
}


@pytest.fixture(scope="session")
def tiny_config(tmp_path_factory) -> tuple[str, Path]:
    """Register a tiny config with open_clip; returns (name, path to a saved random state_dict)."""
    import open_clip

    d = tmp_path_factory.mktemp("cfg")
    (d / "qk-eval-tiny.json").write_text(json.dumps(TINY_CFG))
    open_clip.add_model_config(d / "qk-eval-tiny.json")
    torch.manual_seed(0)
    model = open_clip.create_model("qk-eval-tiny")
    ckpt = d / "tiny.pt"
    torch.save(model.state_dict(), ckpt)
    return "qk-eval-tiny", ckpt


@pytest.fixture(scope="session")
def tiny_model(tiny_config):
    import open_clip

    name, ckpt = tiny_config
    model, _, preprocess = open_clip.create_model_and_transforms(name, pretrained=str(ckpt), weights_only=True)
    return model.eval(), preprocess, open_clip.get_tokenizer(name)
