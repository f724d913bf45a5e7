"""Image fingerprints: an exact pixel hash and a 64-bit DCT perceptual hash.

sha256 over the decoded RGB pixels (with the shape) finds exact duplicates whatever the file
format or metadata; the perceptual hash finds re-encodes, resizes and small edits. pHash: shrink
to 32x32 grey, take the 2-D DCT, keep the 8x8 lowest frequencies, set each bit by comparing to
their median (the DC term excluded from the median, as it only encodes brightness).
"""

from __future__ import annotations

import hashlib

import numpy as np
from PIL import Image
from scipy.fft import dctn


def to_rgb(img: Image.Image) -> Image.Image:
    if img.mode == "RGB":
        return img
    if img.mode in ("RGBA", "LA", "P"):
        img = img.convert("RGBA")
        bg = Image.new("RGB", img.size, (255, 255, 255))
        bg.paste(img, mask=img.getchannel("A"))
        return bg
    return img.convert("RGB")


def pixel_sha256(img: Image.Image) -> str:
    arr = np.asarray(to_rgb(img), dtype=np.uint8)
    h = hashlib.sha256(f"{arr.shape}".encode())
    h.update(np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()


def phash64(img: Image.Image) -> int:
    grey = np.asarray(to_rgb(img).convert("L").resize((32, 32), Image.Resampling.LANCZOS), dtype=np.float64)
    low = dctn(grey, type=2, norm="ortho")[:8, :8].ravel()
    med = np.median(low[1:])
    bits = low > med
    return int(sum(1 << i for i, b in enumerate(bits) if b))


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()
