"""Zero-shot accuracy of a model on the demo evaluation patches, for monitoring during training.

The maths are quiltkit.model.zeroshot's, the ones the evaluate stage scores with, so the curve
during training and the final figure cannot drift apart.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import torch
from PIL import Image
from torch.utils.data import DataLoader, Dataset

from quiltkit.model.data import resolve_relative
from quiltkit.model.zeroshot import zeroshot_classifier, zeroshot_evaluate


class PatchSet(Dataset):
    """data/demo/eval/patches.csv rows of one split -> (image tensor, label index)."""

    def __init__(self, patches_csv: Path, classnames: list[str], split: str, preprocess):
        self.preprocess = preprocess
        self.items: list[tuple[Path, int]] = []
        patches_csv = Path(patches_csv)
        with open(patches_csv, newline="", encoding="utf-8") as fh:
            for n, row in enumerate(csv.DictReader(fh), start=2):
                if row.get("split") != split:
                    continue
                label = row["label"].strip()
                if label.isdigit():
                    idx = int(label)
                elif label in classnames:
                    idx = classnames.index(label)
                else:
                    raise ValueError(
                        f"{patches_csv} row {n}: label {label!r} is neither an index nor in classnames.json"
                    )
                self.items.append((resolve_relative(row["filepath"], patches_csv), idx))
        if not self.items:
            raise ValueError(f"{patches_csv}: no rows with split {split!r}")

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        path, label = self.items[i]
        with Image.open(path) as im:
            return self.preprocess(im.convert("RGB")), label


def evaluate_patches(
    model, tokenizer, preprocess, patches_csv, classnames_json, split, templates, device="cpu", batch_size=64
) -> dict:
    classnames = json.loads(Path(classnames_json).read_text(encoding="utf-8"))
    loader = DataLoader(PatchSet(patches_csv, classnames, split, preprocess), batch_size=batch_size)
    model.eval()
    with torch.no_grad():
        classifier = zeroshot_classifier(model, tokenizer, classnames, templates, device)
        res = zeroshot_evaluate(model, classifier, loader, device)
    return {k: float(v) for k, v in res.items() if isinstance(v, (int, float))} | {"n": len(loader.dataset)}
