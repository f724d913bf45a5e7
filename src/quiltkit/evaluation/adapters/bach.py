"""BACH (ICIAR 2018 grand challenge on breast cancer histology), microscopy part.

Layout (ICIAR2018_BACH_Challenge.zip):
    <root>/ICIAR2018_BACH_Challenge/Photos/{Normal,Benign,InSitu,Invasive}/*.tif
(<root> may also be the Photos folder itself.) The challenge's test labels were never released,
so the 400 labelled photos get the same fixed hash split as LC25000.
"""

from __future__ import annotations

from pathlib import Path

from quiltkit.evaluation.adapters.base import ClassificationData, class_folders
from quiltkit.evaluation.adapters.folders import split_by_hash
from quiltkit.evaluation.classnames import load_classnames

CLASSES = ["Normal", "Benign", "InSitu", "Invasive"]
HOW = (
    "download ICIAR2018_BACH_Challenge.zip from https://iciar2018-challenge.grand-challenge.org/Dataset/ "
    "and unzip it here"
)


def load_bach(root: Path | str) -> ClassificationData:
    root = Path(root)
    photos = next(
        (p for p in (root / "ICIAR2018_BACH_Challenge" / "Photos", root / "Photos", root) if (p / "Invasive").is_dir()),
        root / "ICIAR2018_BACH_Challenge" / "Photos",
    )
    paths, labels = class_folders("bach", photos, CLASSES, HOW)
    return split_by_hash("bach", photos, paths, labels, load_classnames("bach"), HOW)
