"""Any benchmark laid out as class folders: "folder:<path>" in evaluate.zeroshot_datasets.

    <path>/<class>/**/*.{png,jpg,tif,...}                  one folder per class (sorted = label order)
    or <path>/{train,val,test}/<class>/**/*                 with official splits
    <path>/classnames.json  (optional)                      {"<folder>": "natural-language class name"}
This is how a benchmark without a dedicated adapter (of the paper's: Osteo, whose TCIA release
lists labels in a spreadsheet) is evaluated: sort its tiles into class folders once, name the
classes in classnames.json (prompts need words, not folder codes), and point the stage at it.
Without split folders the fixed file-name hash split (60/20/20) applies.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from quiltkit.evaluation.adapters.base import (
    IMAGE_SUFFIXES,
    ClassificationData,
    DatasetFormatError,
    DatasetMissingError,
    FileImages,
    LabelledSplit,
)
from quiltkit.evaluation.adapters.folders import split_by_hash

HOW = "arrange the images as <folder>/<class>/... (optionally under train/ val/ test/) and add classnames.json"
SPLITS = ("train", "val", "test")


def _images(d: Path) -> list[Path]:
    return sorted(p for p in d.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


def load_imagefolder(root: Path | str, name: str | None = None) -> ClassificationData:
    root = Path(root)
    name = name or f"folder_{root.name}"
    if not root.is_dir():
        raise DatasetMissingError(name, root, "folder not found", HOW)
    has_splits = (root / "test").is_dir()
    class_root = root / "test" if has_splits else root
    folders = sorted(p.name for p in class_root.iterdir() if p.is_dir() and p.name not in SPLITS)
    if len(folders) < 2:
        raise DatasetMissingError(name, class_root, f"need at least two class folders, found {folders}", HOW)
    mapping = {f: f for f in folders}
    cn = root / "classnames.json"
    if cn.exists():
        given = json.loads(cn.read_text(encoding="utf-8"))
        if not isinstance(given, dict):
            raise DatasetFormatError(f"{cn}: expected an object {{folder: class name}}")
        unknown = sorted(set(given) - set(folders))
        if unknown:
            raise DatasetFormatError(f"{cn}: names folders {unknown} that do not exist (have {folders})")
        mapping.update(given)
    classnames = [mapping[f] for f in folders]

    def read(base: Path) -> tuple[list[Path], list[int]]:
        paths, labels = [], []
        for i, f in enumerate(folders):
            files = _images(base / f) if (base / f).is_dir() else []
            paths += files
            labels += [i] * len(files)
        if not paths:
            raise DatasetMissingError(name, base, "no images in the class folders", HOW)
        return paths, labels

    if not has_splits:
        paths, labels = read(root)
        return split_by_hash(name, root, paths, labels, classnames, HOW)
    splits = {}
    for s in SPLITS:
        if (root / s).is_dir():
            p, l = read(root / s)
            splits[s] = LabelledSplit(FileImages(p), np.asarray(l))
    return ClassificationData(
        name,
        classnames,
        splits,
        train_split="train" if "train" in splits else None,
        val_split="val" if "val" in splits else None,
    )
