"""Fingerprints of the evaluation images, which must never reach training data.

Every configured evaluation CSV (a `filepath` column) is hashed; the dataset stage drops any
image that matches one by pixels or by perceptual hash and counts the drops in its metrics. A
configured evaluation set that is missing is logged and reported, never silently ignored: the
metrics say how many evaluation images were actually checked.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from PIL import Image, UnidentifiedImageError

from quiltkit.dataset.phash import phash64, pixel_sha256

log = logging.getLogger(__name__)


@dataclass
class EvalFingerprints:
    phashes: list[int] = field(default_factory=list)
    shas: set[str] = field(default_factory=set)
    checked: int = 0
    missing_sets: list[str] = field(default_factory=list)
    unreadable: int = 0


def eval_fingerprints(csvs: list[str], root: Path) -> EvalFingerprints:
    fp = EvalFingerprints()
    seen: set[Path] = set()
    for c in csvs:
        path = Path(c) if Path(c).is_absolute() else root / c
        if not path.exists():
            log.warning("eval set %s not found: its images cannot be checked for leakage", path)
            fp.missing_sets.append(c)
            continue
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        if "filepath" not in df.columns:
            raise ValueError(f"{path}: eval set has no 'filepath' column (has {list(df.columns)})")
        for i, f in enumerate(df["filepath"], start=2):
            p = Path(f) if Path(f).is_absolute() else root / f
            if not p.exists():
                p = path.parent / f
            if p in seen:
                continue
            seen.add(p)
            try:
                with Image.open(p) as img:
                    img.load()
                    fp.phashes.append(phash64(img))
                    fp.shas.add(pixel_sha256(img))
                    fp.checked += 1
            except (OSError, UnidentifiedImageError) as err:
                log.warning("%s row %d: eval image %s unreadable: %s", path, i, f, err)
                fp.unreadable += 1
    return fp
