"""Tiny synthetic H&E-like image-text data for the model tests: webdataset shards, an open_clip
CSV and demo-style eval patches. Five tissue classes with distinct colour and texture, so a tiny
CLIP can learn them in a few dozen steps; captions vary their wording but name the tissue."""

from __future__ import annotations

import csv
import io
import json
import tarfile
from pathlib import Path

import numpy as np
from PIL import Image

CLASSES = ["normal colonic mucosa", "colorectal adenocarcinoma", "lymphoid tissue", "adipose tissue", "fibrous stroma"]
PHRASES = [
    "this section shows {}.",
    "here we see {} at medium power.",
    "note the {} in this field.",
    "an h&e slide of {}.",
    "the biopsy demonstrates {}.",
]


def tissue_image(cls: int, rng: np.random.Generator, size: int = 48) -> Image.Image:
    yy, xx = np.mgrid[0:size, 0:size]
    img = np.zeros((size, size, 3), np.float32)
    pink, purple, white = np.array([235, 160, 200]), np.array([90, 40, 140]), np.array([245, 240, 245])
    if cls == 0:  # regular round crypts
        img[:] = pink
        for cy in range(6, size, 14):
            for cx in range(6, size, 14):
                r = np.hypot(yy - cy, xx - cx)
                img[(r > 3) & (r < 5)] = purple
    elif cls == 1:  # dense irregular purple
        img[:] = purple * 0.9 + rng.normal(0, 25, (size, size, 1))
    elif cls == 2:  # many small dark dots
        img[:] = pink * 0.8
        m = rng.random((size, size)) < 0.35
        img[m] = purple * 0.6
    elif cls == 3:  # white vacuoles
        img[:] = white
        img[(yy % 12 == 0) | (xx % 12 == 0)] = pink
    else:  # wavy stripes
        phase = rng.uniform(0, 6)
        s = np.sin(yy / 2.0 + 2 * np.sin(xx / 6.0) + phase) > 0.3
        img[:] = pink * 0.95
        img[s] = np.array([200, 90, 150])
    img += rng.normal(0, 8, img.shape)
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))


def _png(im: Image.Image) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return buf.getvalue()


def write_shards(out: Path, split: str, n: int, seed: int, per_shard: int = 40) -> list[Path]:
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for s in range(0, n, per_shard):
        path = out / f"{split}-{s // per_shard:06d}.tar"
        with tarfile.open(path, "w") as tf:
            for i in range(s, min(n, s + per_shard)):
                c = int(rng.integers(len(CLASSES)))
                key = f"{split}{i:05d}"
                cap = PHRASES[int(rng.integers(len(PHRASES)))].format(CLASSES[c])
                for ext, data in (
                    ("png", _png(tissue_image(c, rng))),
                    ("txt", cap.encode()),
                    ("json", json.dumps({"label": c}).encode()),
                ):
                    ti = tarfile.TarInfo(f"{key}.{ext}")
                    ti.size = len(data)
                    tf.addfile(ti, io.BytesIO(data))
        paths.append(path)
    return paths


def write_eval(out: Path, per_class: int = 6, seed: int = 99) -> tuple[Path, Path]:
    rng = np.random.default_rng(seed)
    (out / "patches").mkdir(parents=True, exist_ok=True)
    rows = []
    for c, name in enumerate(CLASSES):
        for i in range(per_class):
            fp = out / "patches" / f"{c}_{i}.png"
            tissue_image(c, rng).save(fp)
            rows.append([str(fp), name, "val" if i % 2 else "test"])
    with open(out / "patches.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["filepath", "label", "split"])
        w.writerows(rows)
    (out / "classnames.json").write_text(json.dumps(CLASSES))
    return out / "patches.csv", out / "classnames.json"


def write_csv_pairs(out: Path, n: int, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    (out / "img").mkdir(parents=True, exist_ok=True)
    rows = []
    for i in range(n):
        c = int(rng.integers(len(CLASSES)))
        fp = out / "img" / f"{i}.png"
        tissue_image(c, rng).save(fp)
        rows.append([str(fp), PHRASES[i % len(PHRASES)].format(CLASSES[c])])
    p = out / "pairs.csv"
    with open(p, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["filepath", "title"])
        w.writerows(rows)
    return p
