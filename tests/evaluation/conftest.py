"""Shared fixtures: a tiny demo-style eval set (the tiny random-init open_clip model is tests/tiny_clip.py's).

The demo images are coloured noise whose mean colour depends on the class, so a linear probe on
even a random network's features separates them: tests can then assert real behaviour (the
probe beats chance) without any trained weights.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.tiny_clip import TINY_CFG

CLASSES = ["adipose tissue", "lymphoid tissue", "fibrous stroma"]
COLOURS = [(230, 200, 210), (60, 40, 140), (200, 80, 150)]


def make_image(path: Path, colour, rng, size: int = 40) -> None:
    arr = np.clip(np.array(colour)[None, None, :] + rng.normal(0, 25, (size, size, 3)), 0, 255).astype(np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(arr).save(path)


@pytest.fixture
def demo_eval(tmp_path) -> Path:
    """data/demo/eval-style folder under tmp_path (CSV paths relative to tmp_path)."""
    rng = np.random.default_rng(0)
    root = tmp_path / "data" / "demo" / "eval"
    root.mkdir(parents=True)
    (root / "classnames.json").write_text(json.dumps(CLASSES))
    with open(root / "patches.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["filepath", "label", "split"])
        for split, n in (("train", 8), ("val", 3), ("test", 4)):
            for ci, c in enumerate(CLASSES):
                for k in range(n):
                    rel = f"data/demo/eval/patches/{split}_{ci}_{k}.png"
                    make_image(tmp_path / rel, COLOURS[ci], rng)
                    w.writerow([rel, c, split])
    with open(root / "retrieval.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["image_id", "filepath", "caption"])
        for i in range(6):
            rel = f"data/demo/eval/retrieval/img{i}.png"
            make_image(tmp_path / rel, COLOURS[i % 3], rng)
            for j in range(2):
                w.writerow([f"img{i}", rel, f"caption {j} of {CLASSES[i % 3]} number {i}"])
    return tmp_path


@pytest.fixture
def export_dir(tiny_config, tmp_path) -> Path:
    """Our export layout (model.pt + model_config.json) holding the tiny model's weights."""
    import shutil

    _, ckpt = tiny_config
    d = tmp_path / "export"
    d.mkdir()
    shutil.copy(ckpt, d / "model.pt")
    (d / "model_config.json").write_text(json.dumps(TINY_CFG))
    (d / "quiltnet.json").write_text(json.dumps(TINY_CFG))  # the copy open_clip registers by stem
    return d
