"""Cheap per-image measurements: sharpness, perceptual hash, magnification.

None of these need a model. They exist so that a chunk image carries enough facts for later
stages (pairing, dataset dedup, the card) to make decisions without decoding the video again.
"""

from __future__ import annotations

import cv2
import numpy as np

from quiltkit.video.stain import HAEMATOXYLIN, stain_plane


def to_gray(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY) if rgb.ndim == 3 else rgb


def sharpness(rgb: np.ndarray) -> float:
    """Variance of the Laplacian: low on blurred frames (a zoom in progress, an out-of-focus
    slide), high on crisp tissue or text. Used to reject blurred chunk images."""
    return float(cv2.Laplacian(to_gray(rgb), cv2.CV_64F).var())


def phash(rgb: np.ndarray) -> str:
    """64-bit DCT perceptual hash as 16 hex digits. Near-identical pictures (a shot shown twice,
    re-encoded) land within a few bits of each other; see `hamming`."""
    g = cv2.resize(to_gray(rgb), (32, 32), interpolation=cv2.INTER_AREA).astype(np.float32)
    low = cv2.dct(g)[:8, :8].flatten()
    bits = low[1:] > np.median(low[1:])  # skip the DC term: it is brightness, not structure
    bits = np.concatenate([[False], bits])
    return f"{int(''.join('1' if b else '0' for b in bits), 2):016x}"


def hamming(a: str, b: str) -> int:
    return bin(int(a, 16) ^ int(b, 16)).count("1")


THUMB_SIZE = (64, 36)


def thumb(image: np.ndarray) -> np.ndarray:
    """A small grey thumbnail (RGB or grey in) for comparing views."""
    return cv2.resize(to_gray(image), THUMB_SIZE, interpolation=cv2.INTER_AREA).astype(np.float32)


def thumb_distance(ta: np.ndarray, tb: np.ndarray) -> float:
    return float(np.abs(ta - tb).mean() / 255.0)


def thumb_difference(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute grey-level difference of small thumbnails, in [0, 1]. The paper's fallback
    keeps later keyframes of a chunk 'that differ enough' from the last one kept; this is that
    'enough'."""
    return thumb_distance(thumb(a), thumb(b))


def nucleus_scale(rgb: np.ndarray) -> float | None:
    """Median equivalent diameter of haematoxylin-dark blobs, as a fraction of the image's short
    side. None when the image shows no blobs at all (blank, text).

    Why this measures magnification: a nucleus is roughly 5-10 um whatever the tissue, so the
    fraction of the field it spans grows with the objective. At low power nuclei are specks of
    a few pixels, at high power they are discs tens of pixels wide.
    """
    short = min(rgb.shape[:2])
    h = stain_plane(rgb, HAEMATOXYLIN)
    h8 = cv2.normalize(h, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    h8 = cv2.GaussianBlur(h8, (3, 3), 0)
    _, mask = cv2.threshold(h8, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    areas = stats[1:, cv2.CC_STAT_AREA].astype(np.float64)
    # Drop single-pixel noise and blobs covering a large part of the field (background, merged
    # sheets) so the median speaks about nuclei.
    areas = areas[(areas >= 4) & (areas <= 0.05 * rgb.shape[0] * rgb.shape[1])]
    if len(areas) < 5:
        return None
    return float(np.sqrt(4 * np.median(areas) / np.pi) / short)


def magnification(rgb: np.ndarray, low_max: float = 0.0105, high_min: float = 0.018) -> str | None:
    """low / medium / high from `nucleus_scale`, with thresholds in fractions of the short side
    (0.0105 of 360 px = 3.8 px nuclei; 0.018 = 6.5 px), set on the demo corpus's rendered tissue.

    A coarse heuristic, and known to be one: it orders zoom levels of one tissue correctly, but
    tissues differ in nuclear size and density (lymphocytes are small and crowded, adipose has
    few nuclei), so across tissues it is right about 6 times in 10 on the demo (3 in 10 by
    chance). A real answer needs a model trained on labelled magnifications."""
    s = nucleus_scale(rgb)
    if s is None:
        return None
    if s < low_max:
        return "low"
    if s >= high_min:
        return "high"
    return "medium"
