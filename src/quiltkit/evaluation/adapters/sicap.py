"""SICAPv2 (Silva-Rodriguez et al. 2020): prostate biopsy patches with Gleason patterns.

Layout (SICAPv2.zip from Mendeley Data 9xxm58dvs3):
    <root>/images/*.jpg
    <root>/partition/Test/Train.xlsx, Test.xlsx   columns image_name, NC, G3, G4, G5, G4C
One-hot columns NC/G3/G4/G5 give the label (G4C marks cribriform G4 and is not a class of its
own). The official "Test" partition is patient-disjoint from its Train partition.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from quiltkit.evaluation.adapters.base import (
    ClassificationData,
    DatasetFormatError,
    DatasetMissingError,
    FileImages,
    LabelledSplit,
)
from quiltkit.evaluation.classnames import load_classnames

HOW = (
    "download SICAPv2 from https://data.mendeley.com/datasets/9xxm58dvs3/1, unzip it so images/ and partition/ sit here"
)
LABEL_COLUMNS = ["NC", "G3", "G4", "G5"]


def _read_partition(xlsx: Path, images: Path) -> LabelledSplit:
    import pandas as pd

    try:
        df = pd.read_excel(xlsx)
    except Exception as err:  # openpyxl raises a zoo of types for a broken file
        raise DatasetFormatError(f"sicapv2: cannot read {xlsx}: {err}") from err
    missing = {"image_name", *LABEL_COLUMNS} - set(df.columns)
    if missing:
        raise DatasetFormatError(f"{xlsx}: missing columns {sorted(missing)}")
    onehot = df[LABEL_COLUMNS].to_numpy()
    bad = np.flatnonzero(onehot.sum(axis=1) != 1)
    if len(bad):
        raise DatasetFormatError(
            f"{xlsx} row {int(bad[0]) + 2}: NC/G3/G4/G5 is not one-hot ({onehot[bad[0]].tolist()})"
        )
    paths = [images / str(n) for n in df["image_name"]]
    absent = [p for p in paths if not p.exists()]
    if absent:
        raise DatasetMissingError(
            "sicapv2", images, f"{len(absent)} images listed in {xlsx.name} missing (first {absent[0].name})", HOW
        )
    return LabelledSplit(FileImages(paths), onehot.argmax(axis=1))


def load_sicap(root: Path | str) -> ClassificationData:
    root = Path(root)
    part = root / "partition" / "Test"
    for f in (part / "Test.xlsx", root / "images"):
        if not f.exists():
            raise DatasetMissingError("sicapv2", root, f"{f.relative_to(root)} not found", HOW)
    splits = {"test": _read_partition(part / "Test.xlsx", root / "images")}
    if (part / "Train.xlsx").exists():
        splits["train"] = _read_partition(part / "Train.xlsx", root / "images")
    return ClassificationData(
        "sicapv2", load_classnames("sicapv2"), splits, train_split="train" if "train" in splits else None
    )
