"""PatchCamelyon (PCam): 96x96 lymph-node patches, tumour vs normal, in HDF5 files.

Layout (the files as distributed, gunzipped):
    <root>/camelyonpatch_level_2_split_{train,valid,test}_{x,y}.h5
x: uint8 [N, 96, 96, 3] under key "x"; y: [N, 1, 1, 1] under key "y".
Only the test pair is needed for zero-shot; train/valid enable the linear probe.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from quiltkit.evaluation.adapters.base import (
    ArrayImages,
    ClassificationData,
    DatasetFormatError,
    DatasetMissingError,
    LabelledSplit,
    check_count,
    verify_md5,
)
from quiltkit.evaluation.classnames import load_classnames

HOW = (
    "download the six camelyonpatch_level_2_split_*_{x,y}.h5.gz files from "
    "https://github.com/basveeling/pcam (Google Drive / Zenodo 2546921), gunzip them and put the "
    ".h5 files directly in this folder"
)
SPLITS = {"train": "train", "valid": "val", "test": "test"}
# md5 of the published .h5.gz archives (as listed by torchvision.datasets.PCAM); checked when the
# archives are still next to the extracted files and verification is asked for.
ARCHIVE_MD5 = {
    "camelyonpatch_level_2_split_train_x.h5.gz": "1571f514728f59376b705fc836ff4b63",
    "camelyonpatch_level_2_split_train_y.h5.gz": "35c2d7259d906cfc8143347bb8e05be7",
    "camelyonpatch_level_2_split_test_x.h5.gz": "d8c2d60d490dbd479f8199bdfa0cf6ec",
    "camelyonpatch_level_2_split_test_y.h5.gz": "60a7035772fbdb7f34eb86d4420cf66a",
    "camelyonpatch_level_2_split_valid_x.h5.gz": "d5b63470df7cfa627aeec8b9dc0c066e",
    "camelyonpatch_level_2_split_valid_y.h5.gz": "2b85f58b927af9964a4c15b8f7e8f179",
}


def _open(path: Path, key: str):
    import h5py

    return h5py.File(path, "r")[key]


def load_pcam(root: Path | str, verify: bool = False) -> ClassificationData:
    import h5py

    root = Path(root)
    if not root.is_dir():
        raise DatasetMissingError("pcam", root, "folder not found", HOW)
    splits = {}
    for file_split, split in SPLITS.items():
        xp = root / f"camelyonpatch_level_2_split_{file_split}_x.h5"
        yp = root / f"camelyonpatch_level_2_split_{file_split}_y.h5"
        if not xp.exists() and not yp.exists() and split != "test":
            continue
        for p in (xp, yp):
            if not p.exists():
                raise DatasetMissingError("pcam", root, f"{p.name} not found", HOW)
            gz = root / (p.name + ".gz")
            if verify and gz.exists():
                verify_md5("pcam", gz, ARCHIVE_MD5[gz.name])
        try:
            with h5py.File(xp, "r") as fx, h5py.File(yp, "r") as fy:
                xshape, y = fx["x"].shape, np.asarray(fy["y"]).reshape(-1)
        except (OSError, KeyError) as err:
            raise DatasetFormatError(f"pcam: cannot read {xp.name}/{yp.name} (keys 'x'/'y'): {err}") from err
        if len(xshape) != 4 or xshape[3] != 3 or xshape[0] != len(y):
            raise DatasetFormatError(f"pcam: {xp.name} has shape {xshape}, expected [N,96,96,3] with N={len(y)}")
        check_count("pcam", xp.name, int(xshape[0]), 262_144 if split == "train" else 32_768, verify)
        images = ArrayImages(lambda xp=xp: _open(xp, "x"), int(xshape[0]), xp.name)
        splits[split] = LabelledSplit(images, y.astype(np.int64))
    return ClassificationData(
        "pcam",
        load_classnames("pcam"),
        splits,
        test_split="test",
        train_split="train" if "train" in splits else None,
        val_split="val" if "val" in splits else None,
    )
