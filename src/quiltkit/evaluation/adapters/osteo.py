"""Osteo: the osteosarcoma tiles of Arunachalam et al. 2019 (TCIA "Osteosarcoma Tumor Assessment").

    <root>/**/<image>.jpg            the tiles, in the release's Training-Set-* / case folders
    <root>/ML_Features_1144.csv      one row per tile: `image.name`, ..., `classification`

The label is the CSV's `classification` column: Non-Tumor, Viable-Tumor, Non-Viable-Tumor (the
paper's three classes; the release's few "viable: non-viable" mixed tiles are left out, as in
PLIP/Quilt). Images are matched by file name, wherever they sit below the root. The release has
no official split, so the file-name hash split of the other folder benchmarks is used.
"""

from __future__ import annotations

import csv
from pathlib import Path

from quiltkit.evaluation.adapters.base import IMAGE_SUFFIXES, DatasetFormatError, DatasetMissingError
from quiltkit.evaluation.adapters.folders import split_by_hash
from quiltkit.evaluation.classnames import load_classnames

HOW = (
    "download 'Osteosarcoma Tumor Assessment' from The Cancer Imaging Archive and unzip it so the "
    "tile folders and ML_Features_1144.csv sit here"
)
LABELS = {"non-tumor": 0, "viable-tumor": 1, "non-viable-tumor": 2}


def load_osteo(root: Path | str):
    root = Path(root)
    if not root.is_dir():
        raise DatasetMissingError("osteo", root, "folder not found", HOW)
    tables = sorted(root.rglob("*.csv"))
    if not tables:
        raise DatasetMissingError("osteo", root, "no label CSV (ML_Features_1144.csv)", HOW)
    images = {p.name: p for p in root.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES}
    paths, labels, missing = [], [], []
    with open(tables[0], newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        cols = {c.strip().lower(): c for c in reader.fieldnames or []}
        if "image.name" not in cols or "classification" not in cols:
            raise DatasetFormatError(
                f"{tables[0]}: needs columns image.name and classification, has {reader.fieldnames}"
            )
        for line, row in enumerate(reader, start=2):
            label = LABELS.get(row[cols["classification"]].strip().lower())
            if label is None:
                continue  # mixed "viable: non-viable" tiles
            name = row[cols["image.name"]].strip()
            name = name if Path(name).suffix else name + ".jpg"
            if name not in images:
                missing.append(f"{tables[0].name}:{line}:{name}")
                continue
            paths.append(images[name])
            labels.append(label)
    if missing:
        raise DatasetMissingError("osteo", root, f"{len(missing)} labelled tiles not found (first: {missing[0]})", HOW)
    if not paths:
        raise DatasetMissingError("osteo", root, "no labelled tiles", HOW)
    return split_by_hash("osteo", root, paths, labels, load_classnames("osteo"), HOW)
