"""The demo corpus's evaluation sets (written by the demo stage under data/demo/eval/).

    classnames.json   ["normal colonic mucosa", ...]   order = label index
    patches.csv       filepath,label,split             label = class name (or its index), split = train|val|test
    retrieval.csv     image_id,filepath,caption        several rows (captions) per image
Paths inside the CSVs are relative to the repository root.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from quiltkit.contracts import ContractError, read_patch_rows
from quiltkit.evaluation.adapters.base import (
    ClassificationData,
    DatasetFormatError,
    DatasetMissingError,
    FileImages,
    LabelledSplit,
    RetrievalData,
)

HOW = "run the demo stage (`dvc repro demo`), which writes data/demo/eval/"


def _rows(path: Path, required: set[str], dataset: str) -> list[dict]:
    if not path.exists():
        raise DatasetMissingError(dataset, path.parent, f"{path.name} not found", HOW)
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = required - set(reader.fieldnames or [])
        if missing:
            raise DatasetFormatError(f"{path}: missing columns {sorted(missing)} (have {reader.fieldnames})")
        return list(reader)


def _resolve(base: Path, filepath: str, where: str) -> Path:
    p = Path(filepath)
    p = p if p.is_absolute() else base / p
    if not p.exists():
        raise DatasetFormatError(f"{where}: image {filepath} does not exist")
    return p


def load_demo_patches(root: Path | str = "data/demo/eval", base: Path | str = ".") -> ClassificationData:
    root, base = Path(root), Path(base)
    cn_path = root / "classnames.json"
    if not cn_path.exists():
        raise DatasetMissingError("demo_patches", root, "classnames.json not found", HOW)
    classnames = json.loads(cn_path.read_text(encoding="utf-8"))
    if not isinstance(classnames, list) or not all(isinstance(c, str) for c in classnames):
        raise DatasetFormatError(f"{cn_path}: expected a JSON list of class names")
    csv_path = root / "patches.csv"
    if not csv_path.exists():
        raise DatasetMissingError("demo_patches", root, "patches.csv not found", HOW)
    try:
        rows = read_patch_rows(csv_path, classnames)
    except ContractError as err:
        raise DatasetFormatError(str(err)) from None
    by_split: dict[str, tuple[list[Path], list[int]]] = {}
    for r in rows:
        paths, labels = by_split.setdefault(r.split, ([], []))
        paths.append(_resolve(base, r.filepath, f"{csv_path} line {r.line}"))
        labels.append(r.label)
    splits = {s: LabelledSplit(FileImages(p), l) for s, (p, l) in by_split.items()}
    return ClassificationData(
        "demo_patches",
        classnames,
        splits,
        test_split="test",
        train_split="train",
        val_split="val" if "val" in splits else None,
    )


def load_demo_retrieval(root: Path | str = "data/demo/eval", base: Path | str = ".") -> RetrievalData:
    root, base = Path(root), Path(base)
    rows = _rows(root / "retrieval.csv", {"image_id", "filepath", "caption"}, "demo_retrieval")
    image_ids: list[str] = []
    paths: list[Path] = []
    index: dict[str, int] = {}
    captions, links = [], []
    for n, row in enumerate(rows, start=2):
        where = f"{root / 'retrieval.csv'} line {n}"
        iid = row["image_id"]
        if iid not in index:
            index[iid] = len(image_ids)
            image_ids.append(iid)
            paths.append(_resolve(base, row["filepath"], where))
        elif paths[index[iid]] != _resolve(base, row["filepath"], where):
            raise DatasetFormatError(f"{where}: image_id {iid!r} points at two different files")
        if not row["caption"].strip():
            raise DatasetFormatError(f"{where}: empty caption")
        captions.append(row["caption"].strip())
        links.append(index[iid])
    return RetrievalData("demo_retrieval", FileImages(paths), captions, links, image_ids)
