"""ARCH (Gamper & Rajpoot, CVPR 2021): histopathology figures with captions, for retrieval.

Layout (as released at https://warwick.ac.uk/fac/cross_fac/tia/data/arch):
    <root>/books_set/captions.json    {"0": {"figure_id", "letter", "caption", "uuid"}, ...}
    <root>/books_set/images/<uuid>.png
    <root>/pubmed_set/captions.json   {"0": {"caption", "uuid"}, ...}
    <root>/pubmed_set/images/<uuid>.jpg
Sub-figures of one figure share a caption, so one caption text can describe several images;
each (image, caption) entry is its own query, as in the paper's retrieval protocol.
"""

from __future__ import annotations

import json
from pathlib import Path

from quiltkit.evaluation.adapters.base import (
    IMAGE_SUFFIXES,
    DatasetFormatError,
    DatasetMissingError,
    FileImages,
    RetrievalData,
)

HOW = (
    "download books_set.zip and pubmed_set.zip from https://warwick.ac.uk/fac/cross_fac/tia/data/arch "
    "and unzip them here"
)
SUBSETS = ("books_set", "pubmed_set")


def _find_image(images: Path, uuid: str) -> Path | None:
    for ext in IMAGE_SUFFIXES:
        p = images / f"{uuid}{ext}"
        if p.exists():
            return p
    return None


def load_arch(root: Path | str, subsets=SUBSETS) -> RetrievalData:
    root = Path(root)
    paths, captions, links, ids = [], [], [], []
    found_any = False
    for sub in subsets:
        cap_file = root / sub / "captions.json"
        if not cap_file.exists():
            continue
        found_any = True
        try:
            entries = json.loads(cap_file.read_text(encoding="utf-8"))
        except json.JSONDecodeError as err:
            raise DatasetFormatError(f"{cap_file}: not valid JSON: {err}") from err
        items = entries.values() if isinstance(entries, dict) else entries
        for n, e in enumerate(items):
            if not isinstance(e, dict) or "uuid" not in e or "caption" not in e:
                raise DatasetFormatError(f"{cap_file}: entry {n} lacks 'uuid'/'caption'")
            img = _find_image(root / sub / "images", str(e["uuid"]))
            if img is None:
                raise DatasetMissingError(
                    "arch", root / sub / "images", f"image {e['uuid']}.* (entry {n}) missing", HOW
                )
            ids.append(f"{sub}/{e['uuid']}")
            paths.append(img)
            captions.append(str(e["caption"]).strip())
            links.append(len(paths) - 1)
    if not found_any:
        raise DatasetMissingError("arch", root, f"none of {[s + '/captions.json' for s in subsets]} found", HOW)
    return RetrievalData("arch", FileImages(paths), captions, links, ids)
