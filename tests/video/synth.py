"""Synthetic lecture material for the video tests: H&E-like textures, text slides, videos.

Made here (not taken from the demo corpus) so the video tests run on their own, quickly, with
exactly known shot boundaries.
"""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np

# the lecture of the `lecture_mp4` fixture: slide, tissue, pan over tissue, slide, tissue (high power)
SHOTS = [
    ("slide", 3, 1, {}),
    ("tissue", 5, 2, {}),
    ("pan", 3, 3, {}),
    ("slide", 2, 4, {}),
    ("tissue", 4, 5, {"nucleus_px": 8}),
]


def tissue(h: int, w: int, seed: int, nucleus_px: int = 4) -> np.ndarray:
    """Pink eosin background with purple haematoxylin 'nuclei' of a given radius."""
    rng = np.random.default_rng(seed)
    img = np.empty((h, w, 3), np.float32)
    base = np.array([235, 160, 200], np.float32) + rng.normal(0, 8, 3)
    noise = cv2.GaussianBlur(rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), 3) * 60
    img[:] = base
    img += noise[..., None] * np.array([0.3, 0.8, 0.5], np.float32)
    n = int(h * w / (nucleus_px * nucleus_px * 12))
    for _ in range(n):
        cy, cx = rng.integers(0, h), rng.integers(0, w)
        r = max(1, int(rng.normal(nucleus_px, nucleus_px * 0.2)))
        cv2.circle(img, (int(cx), int(cy)), r, (95, 40, 140), -1)
    return np.clip(img, 0, 255).astype(np.uint8)


def slide(h: int, w: int, seed: int, title: str = "Lecture") -> np.ndarray:
    rng = np.random.default_rng(seed)
    img = np.full((h, w, 3), 250, np.uint8)
    cv2.putText(img, title, (w // 12, h // 6), cv2.FONT_HERSHEY_SIMPLEX, h / 300, (20, 20, 20), 2)
    for i in range(4):
        y = h // 4 + i * h // 7
        words = " ".join("".join(chr(97 + c) for c in rng.integers(0, 26, rng.integers(3, 8))) for _ in range(4))
        cv2.putText(img, "- " + words, (w // 10, y), cv2.FONT_HERSHEY_SIMPLEX, h / 500, (10, 10, 60), 1)
    return img


def write_video(
    path: Path, frames, fps: int = 12, audio: bool = True, faststart: bool = False, preset: str = "ultrafast"
) -> Path:
    """Encode an iterable of RGB frames as H.264 (+ a quiet tone as AAC) mp4. faststart puts the
    index first (as streaming sites do), so a truncated copy still decodes up to its cut.
    x264's "ultrafast" writes no B-frames; "veryfast" writes them (3, pyramid), as sites do."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = iter(frames)
    first = next(frames)
    h, w = first.shape[:2]
    with av.open(str(path), "w", options={"movflags": "faststart"} if faststart else {}) as c:
        vs = c.add_stream("libx264", rate=fps)
        vs.width, vs.height, vs.pix_fmt = w, h, "yuv420p"
        vs.options = {"preset": preset, "crf": "20"}
        # every stream must exist before the first packet is muxed
        a = _audio_stream(c) if audio else None
        n = 0
        for rgb in _chain(first, frames):
            for pkt in vs.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                c.mux(pkt)
            n += 1
        for pkt in vs.encode():
            c.mux(pkt)
        if a is not None:
            write_tone(c, n / fps, a)
    return path


def _chain(first, rest):
    yield first
    yield from rest


def _audio_stream(container, rate: int = 16000):
    a = container.add_stream("aac", rate=rate)
    a.layout = "mono"
    return a


def write_tone(container, seconds: float, a=None, rate: int = 16000) -> None:
    a = a or _audio_stream(container, rate)
    t = np.arange(int(seconds * rate)) / rate
    samples = (0.1 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    for i in range(0, len(samples), 1024):
        fr = av.AudioFrame.from_ndarray(samples[None, i : i + 1024], format="fltp", layout="mono")
        fr.sample_rate = rate
        for pkt in a.encode(fr):
            container.mux(pkt)
    for pkt in a.encode():
        container.mux(pkt)


def write_audio_only(path: Path, seconds: float = 2.0) -> Path:
    with av.open(str(path), "w") as c:
        write_tone(c, seconds)
    return path


def lecture_frames(shots, w: int = 320, h: int = 180, fps: int = 12):
    """shots: list of (kind, seconds, seed, options). kind: slide | tissue | pan.
    A moving pointer (a black square) can be drawn with options {'pointer': True}; a shot with
    {'fade_in': s} starts with an s-second crossfade from the previous shot's last frame."""
    last = None
    for kind, seconds, seed, opt in shots:
        n = int(round(seconds * fps))
        if kind == "pan":
            big = tissue(h * 2, w * 2, seed, nucleus_px=opt.get("nucleus_px", 4))
        else:
            still = tissue(h, w, seed, nucleus_px=opt.get("nucleus_px", 4)) if kind == "tissue" else slide(h, w, seed)
        for i in range(n):
            if kind == "pan":
                x = int(i / max(1, n - 1) * w)
                frame = big[h // 2 : h // 2 + h, x : x + w].copy()
            else:
                frame = still.copy()
            if opt.get("pointer"):
                px = int(w * 0.2 + (w * 0.6) * i / max(1, n - 1))
                cv2.rectangle(frame, (px, h // 2), (px + 6, h // 2 + 10), (0, 0, 0), -1)
            nf = int(round(opt.get("fade_in", 0) * fps))
            if last is not None and i < nf:
                a = (i + 1) / (nf + 1)
                frame = cv2.addWeighted(last, 1 - a, frame, a, 0)
            if i == n - 1:
                last = frame
            yield frame


def shot_boundaries(shots) -> list[float]:
    out, t = [], 0.0
    for _, seconds, _, _ in shots[:-1]:
        t += seconds
        out.append(t)
    return out


def classifier_set(root: Path, n: int = 12) -> Path:
    """A labels.csv with n tissue and n slide images (plus a few textured 'other' images)."""
    root.mkdir(parents=True, exist_ok=True)
    lines = ["filepath,label"]
    for i in range(n):
        for label, img in (
            ("histology", tissue(120, 200, 100 + i, nucleus_px=2 + i % 5)),
            ("other", slide(120, 200, 200 + i)),
        ):
            p = root / f"{label}_{i}.png"
            cv2.imwrite(str(p), cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
            lines.append(f"{p},{label}")
    csv = root / "labels.csv"
    csv.write_text("\n".join(lines) + "\n")
    return csv
