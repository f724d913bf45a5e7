"""A small lecture video whose every image is known, described in the release's formats.

0-2 s    slide (flat grey)                         key frame 0, not histology
2-7 s    picture A, still                          chunk 0, stable interval [2.5, 6.5]
7-11 s   fresh noise every frame (never stable)    chunk 0, stable interval [7.5, 10.5]
11-16 s  picture B, still                          chunk 0, stable interval [11.5, 15.5]
16-18 s  slide                                     closes chunk 0
18-21 s  picture C, still                          chunk 1, interval [18.5, 20.0]: too short, so the fallback
21-24 s  slide                                     closes chunk 1
"""

from __future__ import annotations

import csv
from pathlib import Path

import cv2
import numpy as np
import pytest

from quiltkit.demo.encode import encode

FPS, W, H, SECONDS = 10, 320, 180, 24
TIMES = [0.0, 2.0, 7.0, 11.0, 16.0, 18.0, 21.0]
PREDS = [0, 1, 1, 1, 0, 1, 0]
STABLE = [[[2.5, 6.5], [7.5, 10.5], [11.5, 15.5]], [[18.5, 20.0]]]
NAMES = [("lec_a.jpg", 0), ("lec_noise.jpg", 0), ("lec_b.jpg", 0), ("lec_c.jpg", 1)]


def picture(seed: int) -> np.ndarray:
    """A smooth colour texture (compression keeps it, unlike noise), distinct per seed."""
    rng = np.random.default_rng(seed)
    img = cv2.GaussianBlur(rng.integers(0, 256, (H, W, 3)).astype(np.float32), (0, 0), 6)
    img = (img - img.min()) / (img.max() - img.min()) * 200 + 30
    return img.astype(np.uint8)


PICTURES = {"A": picture(1), "B": picture(2), "C": picture(3)}
SLIDE = np.full((H, W, 3), 128, np.uint8)


def frame_at(k: int) -> np.ndarray:
    t = k / FPS
    if 2 <= t < 7:
        return PICTURES["A"]
    if 7 <= t < 11:
        return np.random.default_rng(k).integers(0, 256, (H, W, 3)).astype(np.uint8)
    if 11 <= t < 16:
        return PICTURES["B"]
    if 18 <= t < 21:
        return PICTURES["C"]
    return SLIDE


def write_release(folder: Path, video_path: Path, recon_rows=None, data_rows=None, lookup_rows=None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    recon_rows = recon_rows or [["lec", repr(TIMES), repr(PREDS), repr(STABLE)]]
    data_rows = data_rows or [["lec", c, n, 10.0, H, W, float(FPS), True, repr([f"caption of {n}"])] for n, c in NAMES]
    lookup_rows = lookup_rows or [
        [f"caption of {n}", n, "quilt", "train", "[]", "", "", "", "[]", "", H, W] for n, _ in NAMES
    ]
    for name, header, rows in [
        ("quilt_recon.csv", ["video_id", "key_frame_times", "predictions", "stable_times"], recon_rows),
        (
            "quilt_data.csv",
            [
                "video_id",
                "chunk_id",
                "image_path",
                "pair_chunk_time",
                "height",
                "width",
                "fps",
                "it_pair",
                "medical_text",
            ],
            data_rows,
        ),
        (
            "quilt_1M_lookup.csv",
            [
                "caption",
                "image_path",
                "subset",
                "split",
                "pathology",
                "roi_text",
                "noisy_text",
                "corrected_text",
                "med_umls_ids",
                "magnification",
                "height",
                "width",
            ],
            lookup_rows,
        ),
        (
            "video_list.csv",
            ["video_id", "url", "title", "channel", "license"],
            [["lec", str(video_path), "A lecture", "a channel", "CC-BY-4.0"]],
        ),
    ]:
        with open(folder / name, "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(header)
            w.writerows(rows)
    return folder


@pytest.fixture(scope="session")
def lecture_video(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("release_video") / "lec.mp4"
    encode(path, frame_at, SECONDS * FPS, np.zeros(16000 * SECONDS, np.float32), 16000, W, H, FPS, crf=16)
    return path
