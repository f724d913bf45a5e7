"""MHIST (Wei et al. 2021): colorectal polyps, hyperplastic (HP) vs sessile serrated (SSA).

Layout (as the dataset request form delivers it):
    <root>/images/*.png
    <root>/annotations.csv     Image Name, Majority Vote Label (HP|SSA), Number of Annotators
                               who Selected SSA (Out of 7), Partition (train|test)
"""

from __future__ import annotations

import csv
from pathlib import Path

from quiltkit.evaluation.adapters.base import (
    ClassificationData,
    DatasetFormatError,
    DatasetMissingError,
    FileImages,
    LabelledSplit,
    check_count,
)
from quiltkit.evaluation.classnames import load_classnames

HOW = "request MHIST at https://bmirds.github.io/MHIST/ and unzip images.zip to images/ next to annotations.csv"
LABELS = {"HP": 0, "SSA": 1}


def load_mhist(root: Path | str, verify: bool = False) -> ClassificationData:
    root = Path(root)
    ann = root / "annotations.csv"
    if not ann.exists():
        raise DatasetMissingError("mhist", root, "annotations.csv not found", HOW)
    if not (root / "images").is_dir():
        raise DatasetMissingError("mhist", root, "images/ folder not found", HOW)
    by_split: dict[str, tuple[list, list]] = {}
    with open(ann, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        need = {"Image Name", "Majority Vote Label", "Partition"}
        if not need <= set(reader.fieldnames or []):
            raise DatasetFormatError(f"{ann}: needs columns {sorted(need)}, has {reader.fieldnames}")
        for n, row in enumerate(reader, start=2):
            label = row["Majority Vote Label"].strip()
            part = row["Partition"].strip().lower()
            if label not in LABELS:
                raise DatasetFormatError(f"{ann} line {n}: label {label!r} is not HP or SSA")
            if part not in ("train", "test"):
                raise DatasetFormatError(f"{ann} line {n}: Partition {part!r} is not train or test")
            path = root / "images" / row["Image Name"].strip()
            if not path.exists():
                raise DatasetMissingError(
                    "mhist", root / "images", f"image {path.name} (annotations.csv line {n}) missing", HOW
                )
            g = by_split.setdefault(part, ([], []))
            g[0].append(path)
            g[1].append(LABELS[label])
    check_count("mhist", "annotations.csv", sum(len(p) for p, _ in by_split.values()), 3_152, verify)
    splits = {s: LabelledSplit(FileImages(p), l) for s, (p, l) in by_split.items()}
    return ClassificationData(
        "mhist", load_classnames("mhist"), splits, train_split="train" if "train" in splits else None
    )
