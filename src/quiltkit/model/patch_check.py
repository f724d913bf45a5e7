"""Zero-shot accuracy of a model on the demo evaluation patches, for monitoring during training.

The maths are quiltkit.model.zeroshot's, the ones the evaluate stage scores with, so the curve
during training and the final figure cannot drift apart.
"""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image
from torch.utils.data import DataLoader, Dataset

from quiltkit.contracts import read_patch_rows
from quiltkit.model.data import resolve_relative
from quiltkit.model.zeroshot import zeroshot_classifier, zeroshot_evaluate


class PatchSet(Dataset):
    """data/demo/eval/patches.csv rows of one split -> (image tensor, label index)."""

    def __init__(self, patches_csv: Path, classnames: list[str], split: str, preprocess):
        self.preprocess = preprocess
        patches_csv = Path(patches_csv)
        self.items: list[tuple[Path, int]] = [
            (resolve_relative(r.filepath, patches_csv), r.label)
            for r in read_patch_rows(patches_csv, classnames)
            if r.split == split
        ]
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
    # both put the model in eval mode for the call and run without gradients (model/zeroshot.py)
    classifier = zeroshot_classifier(model, tokenizer, classnames, templates, device)
    res = zeroshot_evaluate(model, classifier, loader, device)
    return {k: float(v) for k, v in res.items() if isinstance(v, (int, float))} | {"n": len(loader.dataset)}
