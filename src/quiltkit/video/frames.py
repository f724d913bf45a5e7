"""From a video file to the images the pairing stage pairs with speech (one FrameAnalysis).

One decoding pass drives everything (of the reference frames only, with
decode_reference_only: the B-frames nothing is predicted from are never decoded):

  frames at scenes.detect_fps, downscaled -> PySceneDetect + own detectors -> scene cuts
  frames at stable.sample_fps             -> StableTracker -> stable intervals (median images)
                                          -> keyframe of the scene, fallback frames that differ enough

Frames are picked by timestamp (_Ticker), not by count, so irregular frame spacing (reference
frames, variable-frame-rate screen recordings) keeps both rates right.

When a scene ends, its keyframe is classified. Histology scenes keep the medians of their stable
intervals (>= min_stable_seconds); a histology scene with none falls back, as in the paper, to
its keyframe plus later frames that differ enough from the last one kept. Nothing but the
current scene's few candidate images is ever held, so memory is flat in video length.
"""
from __future__ import annotations

import logging
import shutil
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from quiltkit.config import FramesParams
from quiltkit.contracts import ChunkImage, FrameAnalysis, Keyframe, Scene
from quiltkit.io import atomic_write_bytes
from quiltkit.video.decode import VideoInputError, iter_frames, probe
from quiltkit.video.histology import HistologyClassifier
from quiltkit.video.quality import hamming, magnification, phash, sharpness, thumb_difference
from quiltkit.video.scenes import SceneCutter
from quiltkit.video.stable import StableInterval, StableTracker

log = logging.getLogger(__name__)

MERGE_DIFF = 0.03  # thumbnail difference below which two stable medians of a scene show one view
# A stable interval whose middle frame scores below this fraction of the histology threshold is
# dropped without computing its median: a median removes a pointer and compression noise, it
# does not turn a slide into tissue. On the demo, slides' middle frames score <= 0.04 (25 of
# 29 intervals), tissue's >= 0.95.
CLEARLY_NOT_HISTOLOGY = 0.25



@dataclass
class _Candidate:
    start: float
    end: float
    rgb: np.ndarray
    method: str
    n_frames: int
    prob: float


@dataclass
class _SceneState:
    index: int
    start: float
    keyframe: tuple[float, np.ndarray] | None = None
    last_sample: tuple[float, np.ndarray] | None = None
    medians: list[_Candidate] = field(default_factory=list)
    fallback: list[tuple[float, np.ndarray]] = field(default_factory=list)


def _fit(w: int, h: int, max_side: int) -> tuple[int, int]:
    s = min(1.0, max_side / max(w, h))
    return max(2, int(round(w * s)) // 2 * 2), max(2, int(round(h * s)) // 2 * 2)


class _Analyser:
    def __init__(self, video_id: str, params: FramesParams, clf: HistologyClassifier, img_dir: Path, img_rel: str, seed: int):
        self.vid = video_id
        self.p = params
        self.clf = clf
        self.img_dir = img_dir
        self.img_rel = img_rel
        self.thr = params.histology.threshold
        self.stable = StableTracker(params.stable.crop_size, params.stable.ssim_threshold, params.stable.min_stable_seconds,
                                    np.random.default_rng(seed))
        self.scenes: list[Scene] = []
        self.keyframes: list[Keyframe] = []
        self.images: list[ChunkImage] = []
        self.counts = {"blurred_rejected": 0, "median_images": 0, "keyframe_images": 0, "duplicates": 0, "stable_intervals": 0}

    def prob(self, rgb: np.ndarray) -> float:
        return float(self.clf.predict_proba([rgb])[0])

    # -- per sample ----------------------------------------------------------------------
    def sample(self, sc: _SceneState, t: float, rgb: np.ndarray) -> None:
        sc.last_sample = (t, rgb)
        if sc.keyframe is None and t >= sc.start + self.p.keyframe_offset_seconds:
            sc.keyframe = (t, rgb)
            sc.fallback = [(t, rgb)]
        elif sc.keyframe is not None and not sc.medians and len(sc.fallback) < self.p.stable.max_fallback_images:
            if thumb_difference(sc.fallback[-1][1], rgb) > self.p.stable.fallback_diff_threshold:
                sc.fallback.append((t, rgb))
        done = self.stable.feed(t, rgb)
        if done is not None:
            self._interval(sc, done)

    def _interval(self, sc: _SceneState, iv: StableInterval) -> None:
        # A median is classified on its own: slides are the most stable thing in a lecture and
        # their medians are dropped here, before they cost memory or disk.
        self.counts["stable_intervals"] += 1
        if self.prob(iv.middle) < CLEARLY_NOT_HISTOLOGY * self.thr:
            return
        p = self.prob(iv.median)
        if p < self.thr:
            return
        prev = sc.medians[-1] if sc.medians else None
        if prev is not None and thumb_difference(prev.rgb, iv.median) < MERGE_DIFF:
            # The same view, split in two because the pointer crossed the SSIM crop once: one
            # image spanning both, from the better-supported median.
            self.counts["stable_merged"] = self.counts.get("stable_merged", 0) + 1
            if iv.n_frames > prev.n_frames:
                prev.rgb, prev.prob = iv.median, p
            prev.end, prev.n_frames = iv.end, prev.n_frames + iv.n_frames
            return
        sc.medians.append(_Candidate(iv.start, iv.end, iv.median, "median", iv.n_frames, p))
        sc.fallback = sc.fallback[:1]  # no fallback needed any more

    # -- per scene -----------------------------------------------------------------------
    def close_scene(self, sc: _SceneState, end: float) -> None:
        iv = self.stable.close()
        if iv is not None:
            self._interval(sc, iv)
        if end <= sc.start:
            return
        self.scenes.append(Scene(index=sc.index, start=round(sc.start, 3), end=round(end, 3)))
        kf = sc.keyframe or sc.last_sample
        if kf is None:
            return  # a scene shorter than one sampling step: nothing to look at
        kt, krgb = kf
        p = self.prob(krgb)
        is_h = p >= self.thr
        self.keyframes.append(Keyframe(index=len(self.keyframes), time=round(kt, 3), scene_index=sc.index,
                                       histology_prob=round(p, 4), is_histology=is_h, sharpness=round(sharpness(krgb), 2)))
        if not is_h:
            return
        if sc.medians:
            cands = sc.medians
        else:
            fb = sc.fallback or [kf]
            # the scene's later frames go to the classifier as one batch: one forward pass of a
            # timm model on a GPU instead of up to max_fallback_images
            probs = [p, *(float(x) for x in self.clf.predict_proba([rgb for _, rgb in fb[1:]]))]
            cands = []
            for i, ((t, rgb), pi) in enumerate(zip(fb, probs)):
                t_end = fb[i + 1][0] if i + 1 < len(fb) else end
                if pi >= self.thr:
                    cands.append(_Candidate(t, t_end, rgb, "keyframe", 1, pi))
        for c in cands:
            self._emit(sc.index, c)

    def _emit(self, scene_index: int, c: _Candidate) -> None:
        sharp = sharpness(c.rgb)
        if sharp < self.p.histology.blur_min_laplacian_var:
            self.counts["blurred_rejected"] += 1
            log.info("%s: scene %d image at %.1fs rejected as blurred (laplacian var %.1f)", self.vid, scene_index, c.start, sharp)
            return
        image_id = f"{self.vid}_{len(self.images)}"
        ext = self.p.image_format
        ok, buf = cv2.imencode(f".{ext}", cv2.cvtColor(c.rgb, cv2.COLOR_RGB2BGR))
        if not ok:
            raise RuntimeError(f"{self.vid}: could not encode image {image_id}")
        atomic_write_bytes(self.img_dir / f"{image_id}.{ext}", buf.tobytes())
        h = phash(c.rgb)
        dup = next((im.image_id for im in self.images if im.phash and hamming(im.phash, h) <= self.p.duplicate_hamming), None)
        if dup:
            self.counts["duplicates"] += 1
        self.counts["median_images" if c.method == "median" else "keyframe_images"] += 1
        self.images.append(ChunkImage(
            image_id=image_id, path=f"{self.img_rel}/{image_id}.{ext}", start=round(c.start, 3), end=round(c.end, 3),
            scene_index=scene_index, method=c.method, n_frames=c.n_frames, histology_prob=round(c.prob, 4),
            magnification=magnification(c.rgb, *self.p.magnification_thresholds), width=int(c.rgb.shape[1]), height=int(c.rgb.shape[0]),
            sharpness=round(sharp, 2), phash=h, duplicate_of=dup))


class _Ticker:
    """Picks frames at `rate` per second by their timestamps: the first frame at or after each
    tick, and when frames are sparser than the rate, every frame. Going by time rather than by
    frame number keeps the rate right for reference-only decoding (irregular frames) and for
    variable-frame-rate files."""

    def __init__(self, rate: float):
        self.step = 1.0 / rate if rate > 0 else 0.0
        self.next = 0.0

    def __call__(self, t: float) -> bool:
        if t + 1e-6 < self.next:
            return False
        behind = int((t + 1e-6 - self.next) // self.step) + 1 if self.step else 1
        self.next += self.step * max(1, behind)
        return True


def analyse_video(video_id: str, video_path: Path | str, out_json: Path, img_dir: Path, img_rel: str,
                  params: FramesParams, clf: HistologyClassifier, seed: int = 0) -> FrameAnalysis:
    """Analyse one video and write its FrameAnalysis (and images). Bad input is recorded as a
    failed analysis with the reason, never raised: one broken file must not stop the stage."""
    t0 = time.time()
    try:
        info = probe(video_path)
    except VideoInputError as err:
        fa = FrameAnalysis(video_id=video_id, status="failed", error=str(err), seconds_elapsed=round(time.time() - t0, 2))
        fa.write(out_json)
        return fa
    fa = FrameAnalysis(video_id=video_id, fps=info.fps, duration=round(info.duration, 3), width=info.width, height=info.height)
    aw, ah = _fit(info.width, info.height, params.max_side)
    ds = params.scenes.downscale
    dw, dh = max(2, aw // ds // 2 * 2), max(2, ah // ds // 2 * 2)
    an = _Analyser(video_id, params, clf, img_dir, img_rel, seed)
    detect_fps = params.scenes.detect_fps
    detect = _Ticker(detect_fps if 0 < detect_fps < info.fps else 0.0)
    cutter = SceneCutter(params.scenes, min(detect_fps, info.fps) if detect_fps > 0 else info.fps)
    sample = _Ticker(params.stable.sample_fps)
    # Cuts can be reported a few detector frames after the frame they belong to, so frames wait
    # in a short queue and are assigned to scenes only once `lag_frames` more detector frames
    # have been seen, i.e. once every cut up to their time is known.
    pending: deque = deque()  # (frame, detector frames seen when it arrived)
    cuts: deque = deque()
    state = {"scene": _SceneState(0, 0.0), "detected": 0}

    def settle(fr) -> None:
        while cuts and cuts[0] <= fr.time + 1e-6:
            cut = cuts.popleft()
            if cut > state["scene"].start:
                an.close_scene(state["scene"], cut)
                state["scene"] = _SceneState(state["scene"].index + 1, cut)
        if sample(fr.time):
            an.sample(state["scene"], fr.time, fr.rgb(aw, ah))

    last_t = 0.0
    n_frames = 0
    decode_error = None
    try:
        try:
            for fr in iter_frames(video_path, reference_only=params.decode_reference_only):
                n_frames += 1
                last_t = fr.time
                if detect(fr.time):
                    cuts.extend(cutter.feed(state["detected"], fr.small_bgr(dw, dh), fr.time))
                    state["detected"] += 1
                pending.append((fr, state["detected"]))
                while state["detected"] - pending[0][1] > cutter.lag_frames:
                    settle(pending.popleft()[0])
        except VideoInputError as err:
            if n_frames == 0:
                raise
            # A cut-off download still decodes up to the cut: keep what decoded and say so.
            decode_error = str(err)
        while pending:
            settle(pending.popleft()[0])
        if n_frames == 0:
            raise VideoInputError(f"{video_path}: no decodable frames")
        an.close_scene(state["scene"], last_t + 1.0 / info.fps)
    except VideoInputError as err:
        shutil.rmtree(img_dir, ignore_errors=True)
        fa.status, fa.error = "failed", str(err)
        fa.seconds_elapsed = round(time.time() - t0, 2)
        fa.write(out_json)
        return fa
    decoded = last_t + 1.0 / info.fps  # with reference-only decoding, short by the skipped tail frames at most
    if decode_error or (info.duration > 0 and decoded < 0.95 * info.duration):
        fa.error = f"{video_path}: truncated: analysed {decoded:.1f}s of {info.duration:.1f}s" + (f" ({decode_error})" if decode_error else "")
        log.warning("%s", fa.error)
    fa.duration = round(max(fa.duration, decoded), 3)
    fa.scenes, fa.keyframes, fa.images = an.scenes, an.keyframes, an.images
    n_h = sum(k.is_histology for k in an.keyframes)
    fa.histology_share = round(n_h / len(an.keyframes), 4) if an.keyframes else 0.0
    fa.counts = dict(an.counts)
    if fa.histology_share < params.histology.min_video_histology_share:
        fa.status = "skipped"
        fa.error = (f"histology keyframe share {fa.histology_share:.3f} < frames.histology.min_video_histology_share "
                    f"{params.histology.min_video_histology_share}: not a histology video")
        fa.images = []
        shutil.rmtree(img_dir, ignore_errors=True)
        log.info("%s: skipped: %s", video_id, fa.error)
    fa.seconds_elapsed = round(time.time() - t0, 2)
    fa.write(out_json)
    return fa
