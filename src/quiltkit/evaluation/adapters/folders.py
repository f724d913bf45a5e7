"""Benchmarks that ship as one folder per class: NCT-CRC-HE-100K / CRC-VAL-HE-7K and LC25000.

NCT-CRC (Kather et al. 2018, Zenodo 1214456):
    <root>/NCT-CRC-HE-100K/{ADI,BACK,DEB,LYM,MUC,MUS,NORM,STR,TUM}/*.tif   (train)
    <root>/CRC-VAL-HE-7K/{ADI,...,TUM}/*.tif                               (test)
The paper (like PLIP) trains the probe on 100K and tests on the 7K external set.

LC25000 (Borkowski et al. 2019):
    <root>/lung_colon_image_set/lung_image_sets/{lung_aca,lung_n,lung_scc}/*.jpeg
    <root>/lung_colon_image_set/colon_image_sets/{colon_aca,colon_n}/*.jpeg
It has no official split; we make a fixed stratified 60/20/20 split from a hash of each file
name, so the split never depends on directory listing order or on which other files exist.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from quiltkit.evaluation.adapters.base import (
    ClassificationData,
    DatasetMissingError,
    FileImages,
    LabelledSplit,
    check_count,
    class_folders,
)
from quiltkit.evaluation.classnames import load_classnames
from quiltkit.io import read_yaml_tables

# The class folder names are data: data/folder_sets.yaml (named_folders.py's tables too), read
# once here.
FOLDER_SETS_FILE = Path(__file__).parent.parent / "data" / "folder_sets.yaml"


def folder_names(key: str, value) -> list[str]:
    """`value` if it is a non-empty list of folder names, else a ValueError naming the file and key."""
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise ValueError(f"{FOLDER_SETS_FILE}: {key} must be a non-empty list of folder names")
    return value


def _load_folder_sets(path: Path) -> dict:
    """The tables of data/folder_sets.yaml as read (lists stay lists), with this module's checked."""
    tables = ("nct_classes", "lc_sets", "skin_folders", "specs")
    doc = read_yaml_tables(path, tables, "the benchmark class-folder tables")
    folder_names("nct_classes", doc["nct_classes"])
    if not isinstance(doc["lc_sets"], dict) or not doc["lc_sets"]:
        raise ValueError(f"{path}: lc_sets must map each LC25000 subset to its subdir and classes")
    for which, d in doc["lc_sets"].items():
        if not isinstance(d, dict) or not isinstance(d.get("subdir"), str) or not d["subdir"]:
            raise ValueError(f"{path}: lc_sets.{which} needs a subdir (a folder name) and classes")
        folder_names(f"lc_sets.{which}.classes", d.get("classes"))
    return doc


FOLDER_SETS = _load_folder_sets(FOLDER_SETS_FILE)
NCT_CLASSES: list[str] = FOLDER_SETS["nct_classes"]
NCT_HOW = (
    "download NCT-CRC-HE-100K.zip and CRC-VAL-HE-7K.zip from https://zenodo.org/record/1214456 and "
    "unzip both here (giving NCT-CRC-HE-100K/ and CRC-VAL-HE-7K/ with one folder per class)"
)
LC_HOW = (
    "download LC25000 (lung_colon_image_set.zip) from https://github.com/tampapath/lung_colon_image_set "
    "and unzip it here (giving lung_colon_image_set/lung_image_sets and colon_image_sets)"
)
LC_SETS: dict[str, tuple[str, list[str]]] = {
    which: (d["subdir"], d["classes"]) for which, d in FOLDER_SETS["lc_sets"].items()
}


NCT_COUNTS = {"NCT-CRC-HE-100K": 100_000, "CRC-VAL-HE-7K": 7_180}
LC_PER_CLASS = 5_000


def load_nct_crc(root: Path | str, verify: bool = False) -> ClassificationData:
    root = Path(root)
    splits = {}
    test_p, test_l = class_folders("nct_crc", root / "CRC-VAL-HE-7K", NCT_CLASSES, NCT_HOW)
    check_count("nct_crc", "CRC-VAL-HE-7K", len(test_p), NCT_COUNTS["CRC-VAL-HE-7K"], verify)
    splits["test"] = LabelledSplit(FileImages(test_p), test_l)
    if (root / "NCT-CRC-HE-100K").exists():
        tr_p, tr_l = class_folders("nct_crc", root / "NCT-CRC-HE-100K", NCT_CLASSES, NCT_HOW)
        check_count("nct_crc", "NCT-CRC-HE-100K", len(tr_p), NCT_COUNTS["NCT-CRC-HE-100K"], verify)
        splits["train"] = LabelledSplit(FileImages(tr_p), tr_l)
    return ClassificationData(
        "nct_crc", load_classnames("nct_crc"), splits, train_split="train" if "train" in splits else None
    )


def hash_split(name: str, fractions=(0.6, 0.2)) -> str:
    """Deterministic train/val/test assignment from a file name alone."""
    u = int(hashlib.sha1(name.encode("utf-8")).hexdigest()[:8], 16) / 0xFFFFFFFF
    return "train" if u < fractions[0] else "val" if u < fractions[0] + fractions[1] else "test"


def split_by_hash(name: str, root: Path, paths, labels, classnames, how: str, **kw) -> ClassificationData:
    """A ClassificationData whose train/val/test come from hash_split of each file name."""
    groups: dict[str, tuple[list, list]] = {}
    for p, l in zip(paths, labels):
        g = groups.setdefault(hash_split(Path(p).name), ([], []))
        g[0].append(p)
        g[1].append(l)
    splits = {s: LabelledSplit(FileImages(p), np.asarray(l)) for s, (p, l) in groups.items()}
    if "test" not in splits:
        raise DatasetMissingError(name, root, "too few images to form a test split", how)
    return ClassificationData(
        name,
        classnames,
        splits,
        train_split="train" if "train" in splits else None,
        val_split="val" if "val" in splits else None,
        **kw,
    )


def load_lc25000(root: Path | str, which: str, verify: bool = False) -> ClassificationData:
    if which not in LC_SETS:
        raise KeyError(f"unknown LC25000 subset {which!r}; known: {sorted(LC_SETS)}")
    sub, classes = LC_SETS[which]
    base = Path(root) / "lung_colon_image_set" / sub
    paths, labels = class_folders(which, base, classes, LC_HOW)
    check_count(which, base.name, len(paths), LC_PER_CLASS * len(classes), verify)
    return split_by_hash(which, base, paths, labels, load_classnames(which), LC_HOW)
