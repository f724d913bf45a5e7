"""One release video back into its named images, decoding the video once.

Which image each name stands for is settled from the metadata alone, before a frame is read
(`plan_chunk`): a chunk whose stable_times hold intervals of at least min_stable_seconds has one
image per such interval, the per-pixel median of its stable frames, in interval order; a chunk
without one has the release's fallback, its key frames, each kept only when it differs from the
last kept one (SSIM of one crop below fallback_ssim_max). The n-th name of the chunk is its n-th
image. An image that cannot be made (its interval lies past the end of the download, none of its
frames is stable, the re-screen rejects it) leaves its name missing, with the reason, and never
hands the name on to the next image: that is the mapping the release's script gets wrong when it
compacts the list first (docs/RELEASE_DEFECTS.md).

Every random crop comes from a generator seeded by (seed, video, chunk, image), so a rebuild is
the same image for image on every machine, and crops are drawn over the whole frame.
"""

from __future__ import annotations

import logging
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import cv2
import numpy as np

from quiltkit.config import ReleaseParams
from quiltkit.contracts import RebuildRecord, RebuiltImage
from quiltkit.io import atomic_path
from quiltkit.release.chunking import release_chunks
from quiltkit.release.files import ImageName, VideoRecon
from quiltkit.video.decode import iter_frames
from quiltkit.video.stable import StableInterval, random_crop, ssim

log = logging.getLogger(__name__)

FALLBACK_SIDE = 512  # the fallback compares key frames resized to this square, as the release does
TIME_EPS = 1e-6
FALLBACK_STREAM = 2**31 - 1  # the fallback's crops: a generator of their own, apart from every interval's

PAST_END = "interval past end of video"
NOT_STABLE = "no stable frames"
FEWER = "fewer images than names"
NO_CHUNK = "chunk not in metadata"
RESCREENED = "rescreened out"


@dataclass
class Want:
    """A frame the plan needs: the first decoded frame at or after `time`."""

    time: float
    chunk: int
    slot: int  # median: the interval's index among the chunk's usable ones; keyframe: key frame index


@dataclass
class ChunkPlan:
    chunk_id: int
    method: str  # median | keyframe | none
    intervals: list[tuple[float, float]] = field(default_factory=list)
    keyframes: list[float] = field(default_factory=list)


def plan_chunk(chunk_id: int, recon: VideoRecon, chunk_keyframes: list[list[float]], p: ReleaseParams) -> ChunkPlan:
    stable = recon.stable_times[chunk_id] if chunk_id < len(recon.stable_times) else []
    usable = [iv for iv in stable if iv[1] - iv[0] >= p.min_stable_seconds]
    if usable:
        return ChunkPlan(chunk_id, "median", intervals=usable)
    if chunk_id < len(chunk_keyframes):
        return ChunkPlan(chunk_id, "keyframe", keyframes=list(chunk_keyframes[chunk_id]))
    return ChunkPlan(chunk_id, "none")


def sample_times(start: float, end: float, fps: float, sample_fps: float | None, cap: int) -> list[float]:
    """Times to take an interval's frames at: every frame (sample_fps None, as the release reads)
    or sample_fps of them, thinned evenly to at most `cap` (a median of 32 frames spread over
    the interval is as good as one of 300, and 32 frames of 1080p are 200 MB)."""
    step = 1.0 / (sample_fps or fps)
    n = max(1, int((end - start) / step + TIME_EPS) + (0 if sample_fps is None else 1))
    times = [start + i * step for i in range(n)]
    if len(times) > cap:
        times = [times[int(i)] for i in np.linspace(0, len(times) - 1, cap).round()]
    return times


def crop_rng(seed: int, video_id: str, chunk: int, slot: int) -> np.random.Generator:
    """The crops of one image (or, slot FALLBACK_STREAM, of one chunk's fallback)."""
    return np.random.default_rng([seed, zlib.crc32(video_id.encode()), chunk, slot])


def _ssim_rgb(a: np.ndarray, b: np.ndarray) -> float:
    """Mean SSIM over the colour channels (scikit-image's channel_axis convention)."""
    return float(np.mean([ssim(a[..., k], b[..., k]) for k in range(a.shape[2])]))


def stable_frames(frames: list[np.ndarray], rng: np.random.Generator, crop: int, threshold: float) -> list[np.ndarray]:
    """The frames that belong to a still view: those whose pair with a neighbour has a crop SSIM
    above threshold (a pointer passing through the crop, or a cut, drops the frames around it)."""
    if len(frames) < 2:
        return list(frames)
    h, w = frames[0].shape[:2]
    same = []
    for a, b in zip(frames, frames[1:]):
        y, x, c = random_crop(rng, h, w, crop)
        same.append(_ssim_rgb(a[y : y + c, x : x + c], b[y : y + c, x : x + c]) > threshold)
    keep = [(i > 0 and same[i - 1]) or (i < len(same) and same[i]) for i in range(len(frames))]
    return [f for f, k in zip(frames, keep) if k]


def distinct_keyframes(frames: list[np.ndarray], rng: np.random.Generator, crop: int, ssim_max: float) -> list[int]:
    """Indices of the fallback's images: the first key frame, then each one whose crop (on the
    frames resized to a 512 square, so the crop covers the same share of any video) has an SSIM
    below ssim_max against the last kept one."""
    if not frames:
        return []
    small = [cv2.resize(f, (FALLBACK_SIDE, FALLBACK_SIDE), interpolation=cv2.INTER_AREA) for f in frames]
    kept = [0]
    for i in range(1, len(small)):
        y, x, c = random_crop(rng, FALLBACK_SIDE, FALLBACK_SIDE, crop)
        last = small[kept[-1]]
        if _ssim_rgb(last[y : y + c, x : x + c], small[i][y : y + c, x : x + c]) < ssim_max:
            kept.append(i)
    return kept


@dataclass
class Made:
    """An image the rebuild made for one slot, or why it could not."""

    rgb: np.ndarray | None
    method: str
    start: float
    end: float
    n_frames: int = 0
    reason: str | None = None


def decode_wants(
    video: Path, wants: list[Want], fps_hint: float, on_done: Callable[[int, np.ndarray], None]
) -> tuple[float, tuple[int, int]]:
    """One streaming pass: on_done(want index, RGB frame) for each want as its frame goes by;
    returns the seconds decoded and the frame size. The pass stops after the last wanted frame;
    a want past the last frame is simply never served."""
    order = sorted(range(len(wants)), key=lambda i: wants[i].time)
    j, last_t, size = 0, 0.0, (0, 0)
    for fr in iter_frames(video):
        last_t = fr.time
        if j >= len(order):
            break
        if fr.time + TIME_EPS < wants[order[j]].time:
            continue
        rgb = fr.rgb()
        size = (rgb.shape[1], rgb.shape[0])
        while j < len(order) and wants[order[j]].time <= fr.time + TIME_EPS:
            on_done(order[j], rgb)
            j += 1
    return last_t + 1.0 / max(fps_hint, 1.0), size


def make_images(
    video_id: str, video: Path, plans: list[ChunkPlan], fps: float, p: ReleaseParams, seed: int
) -> tuple[dict[int, list[Made]], float, tuple[int, int]]:
    """chunk id -> its images in order, made from one decoding pass.

    An interval's median is taken as soon as its last frame has been decoded and its frames are
    let go: what is held at once is the frames of the intervals open at that moment (at most
    median_frames each, a few at 1080p), not every wanted frame of a three-hour lecture."""
    wants: list[Want] = []
    spans: dict[tuple[int, int], tuple[float, float, list[int]]] = {}
    for cp in plans:
        if cp.method == "median":
            for k, (a, b) in enumerate(cp.intervals):
                ids = []
                for t in sample_times(a, b, fps, p.sample_fps, p.median_frames):
                    ids.append(len(wants))
                    wants.append(Want(t, cp.chunk_id, k))
                spans[(cp.chunk_id, k)] = (a, b, ids)
        elif cp.method == "keyframe":
            for k, t in enumerate(cp.keyframes):
                spans[(cp.chunk_id, k)] = (t, t, [len(wants)])
                wants.append(Want(t + p.keyframe_offset_seconds, cp.chunk_id, k))
    method = {cp.chunk_id: cp.method for cp in plans}
    held: dict[tuple[int, int], dict[int, np.ndarray]] = {key: {} for key in spans}
    medians: dict[tuple[int, int], Made] = {}

    def finish(key: tuple[int, int]) -> None:
        a, b, ids = spans[key]
        frames = [held[key][i] for i in ids if i in held[key]]
        held[key] = {}
        if not frames:
            medians[key] = Made(None, "median", a, b, reason=PAST_END)
            return
        still = stable_frames(frames, crop_rng(seed, video_id, *key), p.crop_size, p.ssim_threshold)
        medians[key] = (
            Made(StableInterval(a, b, len(still), still).median, "median", a, b, len(still))
            if still
            else Made(None, "median", a, b, len(frames), NOT_STABLE)
        )

    def on_done(i: int, rgb: np.ndarray) -> None:
        key = (wants[i].chunk, wants[i].slot)
        held[key][i] = rgb
        if method[key[0]] == "median" and len(held[key]) == len(spans[key][2]):
            finish(key)

    duration, size = decode_wants(video, wants, fps, on_done)
    out: dict[int, list[Made]] = {}
    for cp in plans:
        made: list[Made] = []
        if cp.method == "median":
            for k in range(len(cp.intervals)):
                if (cp.chunk_id, k) not in medians:  # cut short by the end of the video
                    finish((cp.chunk_id, k))
                made.append(medians[(cp.chunk_id, k)])
        elif cp.method == "keyframe":
            served = [k for k in range(len(cp.keyframes)) if held[(cp.chunk_id, k)]]
            frames = [next(iter(held[(cp.chunk_id, k)].values())) for k in served]
            for i in distinct_keyframes(
                frames, crop_rng(seed, video_id, cp.chunk_id, FALLBACK_STREAM), p.crop_size, p.fallback_ssim_max
            ):
                t = cp.keyframes[served[i]]
                made.append(Made(frames[i], "keyframe", t, t, 1))
        out[cp.chunk_id] = made
    return out, duration, size


def save_image(rgb: np.ndarray, path: Path, jpeg_quality: int) -> None:
    from PIL import Image

    fmt = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".webp": "WEBP"}[path.suffix.lower()]
    with atomic_path(path) as tmp:
        Image.fromarray(rgb).save(tmp, format=fmt, **({"quality": jpeg_quality} if fmt in ("JPEG", "WEBP") else {}))


def rebuild_video(
    video_id: str,
    video: Path,
    recon: VideoRecon,
    names: list[ImageName],
    p: ReleaseParams,
    seed: int,
    images_dir: Path,
    root: Path,
    rescreen: Callable[[Sequence[np.ndarray]], np.ndarray] | None = None,
) -> RebuildRecord:
    """Rebuild one video's named images into images_dir; its record says what became of each name."""
    pair_chunk_time = names[0].pair_chunk_time if names else 0.0
    fps = names[0].fps if names else 30.0
    chunk_kf = release_chunks(recon.key_frame_times, recon.predictions, pair_chunk_time)
    by_chunk: dict[int, list[ImageName]] = {}
    for n in names:
        by_chunk.setdefault(n.chunk_id, []).append(n)
    plans = [plan_chunk(c, recon, chunk_kf, p) for c in sorted(by_chunk)]
    made, duration, (dw, dh) = make_images(video_id, video, plans, fps, p, seed)
    rec = RebuildRecord(
        video_id=video_id,
        chunks=len(chunk_kf),
        metadata_chunks=len(recon.stable_times),
        video_seconds=round(duration, 3),
    )
    results: list[tuple[RebuiltImage, np.ndarray | None]] = []
    for cp in plans:
        imgs = made.get(cp.chunk_id, [])
        chunk_names = by_chunk[cp.chunk_id]
        rec.unnamed_images += max(0, len(imgs) - len(chunk_names))
        for slot, n in enumerate(chunk_names):
            ri = RebuiltImage(
                image_path=n.image_path,
                chunk_id=n.chunk_id,
                slot=slot,
                expected_width=n.width,
                expected_height=n.height,
                decoded_width=dw,
                decoded_height=dh,
            )
            m = imgs[slot] if slot < len(imgs) else None
            if cp.method == "none":
                ri.status, ri.reason = "missing", NO_CHUNK
            elif m is None:
                ri.status, ri.reason, ri.method = "missing", FEWER, cp.method
            else:
                ri.method, ri.start, ri.end, ri.n_frames = m.method, round(m.start, 3), round(m.end, 3), m.n_frames
                if m.rgb is None:
                    ri.status, ri.reason = "missing", m.reason
            results.append((ri, None if m is None else m.rgb))
    if rescreen is not None:
        todo = [(ri, rgb) for ri, rgb in results if ri.status == "ok"]
        if todo:
            for (ri, _), prob in zip(todo, rescreen([rgb for _, rgb in todo])):
                ri.histology_prob = round(float(prob), 4)
                if prob < p.rescreen_threshold:
                    ri.status, ri.reason = "missing", RESCREENED
    for ri, rgb in results:
        if ri.status != "ok":
            continue
        if (
            p.match_lookup_size
            and ri.expected_width
            and ri.expected_height
            and rgb.shape[:2] != (ri.expected_height, ri.expected_width)
        ):
            interp = cv2.INTER_AREA if ri.expected_width < rgb.shape[1] else cv2.INTER_CUBIC
            rgb = cv2.resize(rgb, (ri.expected_width, ri.expected_height), interpolation=interp)
        path = images_dir / ri.image_path
        save_image(rgb, path, p.jpeg_quality)
        ri.path = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.as_posix()
        ri.height, ri.width = rgb.shape[:2]
    rec.images = [ri for ri, _ in results]
    return rec
