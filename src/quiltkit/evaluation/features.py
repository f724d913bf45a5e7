"""Image and text embeddings with an on-disk cache under outputs/eval/features/<model>/.

Encoding images is the slow part of evaluation and the linear probe re-reads the same features
for every fraction, seed and C. Each cached npz stores a fingerprint of (model weights, image
keys, labels, preprocessing); a re-run whose fingerprint matches loads the file instead of
encoding, and anything else is recomputed, so a retrained model never reuses stale features.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset
from tqdm import tqdm

from quiltkit.evaluation.adapters.base import ImageSource
from quiltkit.io import atomic_path
from quiltkit.model.zeroshot import eval_mode

log = logging.getLogger(__name__)


class TransformedImages(Dataset):
    def __init__(self, images: ImageSource, labels: Sequence[int] | None, transform):
        self.images, self.transform = images, transform
        self.labels = np.zeros(len(images), np.int64) if labels is None else np.asarray(labels, np.int64)

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int):
        return self.transform(self.images.load(i)), int(self.labels[i])


def fingerprint(model_fp: str, images: ImageSource, labels, extra: str = "") -> str:
    h = hashlib.sha256(f"{model_fp}|{extra}".encode())
    for i in range(len(images)):
        h.update(images.key(i).encode())
        h.update(b"\0")
    if labels is not None:
        h.update(np.asarray(labels, np.int64).tobytes())
    return h.hexdigest()


@torch.no_grad()
def encode_image_source(
    model, images: ImageSource, transform, batch_size: int, device: str, desc: str = ""
) -> np.ndarray:
    loader = DataLoader(TransformedImages(images, None, transform), batch_size=batch_size, shuffle=False, num_workers=0)
    out = []
    with eval_mode(model):
        for x, _ in tqdm(loader, desc=desc or "encode images", leave=False):
            out.append(F.normalize(model.encode_image(x.to(device)).float(), dim=-1).cpu().numpy())
    return np.concatenate(out).astype(np.float32)


@torch.no_grad()
def encode_texts(model, tokenizer, texts: Sequence[str], batch_size: int, device: str) -> np.ndarray:
    out = []
    with eval_mode(model):
        for i in range(0, len(texts), batch_size):
            tok = tokenizer(list(texts[i : i + batch_size])).to(device)
            out.append(F.normalize(model.encode_text(tok).float(), dim=-1).cpu().numpy())
    return np.concatenate(out).astype(np.float32)


def cached_image_features(
    cache_file: Path, loaded, images: ImageSource, labels, batch_size: int, device: str
) -> tuple[np.ndarray, bool]:
    """-> (features [N, D], reused_from_cache)."""
    fp = fingerprint(loaded.fingerprint, images, labels, extra=repr(loaded.preprocess))
    if cache_file.exists():
        try:
            with np.load(cache_file) as z:
                if str(z["fingerprint"]) == fp and len(z["features"]) == len(images):
                    log.info("features: reusing %s (same model and images)", cache_file)
                    return z["features"], True
        except (OSError, KeyError, ValueError) as err:
            log.warning("features: ignoring unreadable cache %s: %s", cache_file, err)
        log.info("features: %s is stale (model or images changed); recomputing", cache_file)
    feats = encode_image_source(loaded.model, images, loaded.preprocess, batch_size, device, desc=cache_file.stem)
    with atomic_path(cache_file, suffix=".npz") as tmp:
        with open(tmp, "wb") as fh:
            np.savez(
                fh,
                features=feats,
                labels=np.asarray(labels if labels is not None else [], np.int64),
                fingerprint=np.array(fp),
            )
    return feats, False
