"""From a video file to the images the pairing stage pairs with speech (one FrameAnalysis).

One decoding pass drives everything (of the reference frames only, with
decode_reference_only: the B-frames nothing is predicted from are never decoded):

  frames at scenes.detect_fps, downscaled -> PySceneDetect + own detectors -> scene cuts
  frames at stable.sample_fps             -> StableTracker -> stable intervals (median images)
                                          -> keyframe of the scene, fallback frames that differ enough

Frames are picked by timestamp (_Ticker), not by count, so irregular frame spacing (reference
frames, variable-frame-rate screen recordings) keeps both rates right.

A scene's keyframe decides whether it is histology. Histology scenes keep the medians of their
stable intervals (>= min_stable_seconds); a histology scene with none falls back, as in the
paper, to its keyframe plus later frames that differ enough from the last one kept.

The classifier sees these images in batches across scenes, because a timm model on a GPU is
latency bound one image at a time: a closed scene waits in a queue with its keyframe, its
unclassified medians and its fallback frames, and the queue is resolved (one call for the
keyframes and medians, one for the fallback frames of the histology scenes without a median)
once it holds frames.histology.batch_size images, and at the end of the video. The results are
those of classifying each scene as it closes (bit for bit with the stain model, whose features
are per image; a GPU's kernels may differ in the last bits). Memory stays flat in video length:
the queue holds fewer than batch_size images plus the last queued scene's (its keyframe,
medians, <= max_fallback_images fallback frames), on top of the open scene's.
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
from quiltkit.contracts import ChunkImage, FrameAnalysis, Keyframe, PointerSample, Scene
from quiltkit.io import atomic_write_bytes
from quiltkit.video.decode import VideoFile, VideoInputError, open_video
from quiltkit.video.histology import HistologyClassifier
from quiltkit.video.pointer import track_detections
from quiltkit.video.quality import (
    hamming,
    magnification,
    phash,
    sharpness,
    thumb,
    thumb_difference,
    thumb_distance,
    to_gray,
)
from quiltkit.video.scenes import SceneCutter
from quiltkit.video.stable import StableInterval, StableTracker, Thinned

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
    prob: float = float("nan")  # a median's is set when the queue it waits in is resolved
    pointer: list[PointerSample] = field(default_factory=list)  # the tracker's reading of its interval


@dataclass
class _SceneState:
    index: int
    start: float
    end: float = 0.0
    keyframe: tuple[float, np.ndarray] | None = None
    last_sample: tuple[float, np.ndarray] | None = None
    medians: list[_Candidate] = field(default_factory=list)  # past the pre-check; once resolved, the accepted ones
    fallback: list[tuple[float, np.ndarray]] = field(default_factory=list)  # the keyframe, then frames that differ
    fallback_thumb: np.ndarray | None = None  # the last fallback frame's thumbnail, kept to compare against
    # the scene's samples, thinned as a stable run is (frames.pointer: the fallback's reference is
    # their median; set by the analyser, which knows the cap), and once the scene closes what the
    # tracker read in them
    samples: Thinned | None = None
    pointer: list[PointerSample] = field(default_factory=list)


def _fit(w: int, h: int, max_side: int) -> tuple[int, int]:
    s = min(1.0, max_side / max(w, h))
    return max(2, int(round(w * s)) // 2 * 2), max(2, int(round(h * s)) // 2 * 2)


class _Analyser:
    def __init__(
        self, video_id: str, params: FramesParams, clf: HistologyClassifier, img_dir: Path, img_rel: str, seed: int
    ):
        self.vid = video_id
        self.p = params
        self.clf = clf
        self.img_dir = img_dir
        self.img_rel = img_rel
        self.thr = params.histology.threshold
        self.stable = StableTracker(
            params.stable.crop_size,
            params.stable.ssim_threshold,
            params.stable.min_stable_seconds,
            np.random.default_rng(seed),
            cap=params.stable.median_frames,
        )
        self.scenes: list[Scene] = []
        self.keyframes: list[Keyframe] = []
        self.images: list[ChunkImage] = []
        self.queue: list[_SceneState] = []  # closed scenes waiting for the classifier
        self.counts = {
            "blurred_rejected": 0,
            "median_images": 0,
            "keyframe_images": 0,
            "duplicates": 0,
            "stable_intervals": 0,
        }

    def prob(self, rgb: np.ndarray) -> float:
        return float(self.clf.predict_proba([rgb])[0])

    # -- per sample ----------------------------------------------------------------------
    def sample(self, sc: _SceneState, t: float, rgb: np.ndarray) -> None:
        sc.last_sample = (t, rgb)
        if self.p.pointer.enabled:
            if sc.samples is None:
                sc.samples = Thinned(self.p.stable.median_frames)
            sc.samples.add(t, rgb)
        gray = to_gray(rgb)  # one conversion for the fallback's thumbnails and the SSIM check
        if sc.keyframe is None and t >= sc.start + self.p.keyframe_offset_seconds:
            sc.keyframe = (t, rgb)
            sc.fallback, sc.fallback_thumb = [(t, rgb)], thumb(gray)
        elif sc.keyframe is not None and len(sc.fallback) < self.p.stable.max_fallback_images:
            # Collected even when the scene has medians: whether one of them is accepted is only
            # known once the queue is resolved, and if one is, the fallback goes unused.
            th = thumb(gray)
            if thumb_distance(sc.fallback_thumb, th) > self.p.stable.fallback_diff_threshold:
                sc.fallback.append((t, rgb))
                sc.fallback_thumb = th
        done = self.stable.feed(t, rgb, gray)
        if done is not None:
            self._interval(sc, done)

    def _interval(self, sc: _SceneState, iv: StableInterval) -> None:
        # The middle frame's pre-check runs now, one image at a time: slides are the most stable
        # thing in a lecture and are dropped here, before their median is computed. Deferring it
        # to the batch would mean holding the interval's frames (up to stable.median_frames, 11 MB
        # for 16 at 640x360) until then; a median that passes waits alone, its frames released.
        self.counts["stable_intervals"] += 1
        if self.prob(iv.middle) < CLEARLY_NOT_HISTOLOGY * self.thr:
            return
        # The pointer is read now, while the interval's frames are still held: its median, the
        # view without what moves over it, is the reference each frame is read against.
        pointer = self._track_pointer(iv) if self.p.pointer.enabled else []
        sc.medians.append(_Candidate(iv.start, iv.end, iv.median, "median", iv.n_frames, pointer=pointer))

    def _keep_scene_samples(self, sc: _SceneState) -> None:
        """The fallback's pointer: a scene with no stable interval past the pre-check (a pointer
        that keeps moving breaks SSIM runs, which is why so many pointer shots fall back) is read
        over its own samples against their median, once the queue's classifier batch has judged
        its keyframe histology (resolve). Until then its samples wait with it in the queue (at
        most frames.stable.median_frames of them, for at most a batch of scenes): judging the
        keyframe alone as the scene closed cost a classifier call of its own per scene, a tenth
        of the frames stage on the demo, for a probability the batch computes anyway."""
        if sc.medians or sc.samples is None or len(sc.samples.frames) < 3:
            sc.samples = None
            return
        self.counts["pointer_scene_checks"] = self.counts.get("pointer_scene_checks", 0) + 1

    def _track_pointer(self, iv: StableInterval) -> list[PointerSample]:
        dets = track_detections(iv.frames, iv.median, align_moving=self.p.pointer.moving_views == "align")
        self.counts["pointer_frames_read"] = self.counts.get("pointer_frames_read", 0) + len(dets)
        self.counts["pointer_frames_found"] = self.counts.get("pointer_frames_found", 0) + sum(
            d.point is not None for d in dets
        )
        return [
            PointerSample(
                t=round(t, 3),
                x=None if d.point is None else round(float(d.point[0]), 1),
                y=None if d.point is None else round(float(d.point[1]), 1),
                reason=d.reason,
            )
            for t, d in zip(iv.times, dets)
        ]

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
        sc.keyframe, sc.fallback, sc.end, sc.last_sample = kf, sc.fallback or [kf], end, None
        if self.p.pointer.enabled:
            self._keep_scene_samples(sc)
        self.queue.append(sc)
        if sum(len(q.medians) + len(q.fallback) for q in self.queue) >= self.p.histology.batch_size:
            self.resolve()

    def resolve(self) -> None:
        """Classify the queued scenes' images in (at most) two batches, then record each scene
        exactly as if it had been classified when it closed, in the same order."""
        queue, self.queue = self.queue, []
        if not queue:
            return
        probs = iter(
            self.clf.predict_proba([rgb for sc in queue for rgb in (sc.keyframe[1], *(c.rgb for c in sc.medians))])
        )
        histology = []
        for sc in queue:
            p = float(next(probs))
            for c in sc.medians:
                c.prob = float(next(probs))
            sc.medians = self._accept_medians(sc.medians)
            kt, krgb = sc.keyframe
            is_h = p >= self.thr
            self.keyframes.append(
                Keyframe(
                    index=len(self.keyframes),
                    time=round(kt, 3),
                    scene_index=sc.index,
                    histology_prob=round(p, 4),
                    is_histology=is_h,
                    sharpness=round(sharpness(krgb), 2),
                )
            )
            samples, sc.samples = sc.samples, None  # the fallback's pointer samples, read only for histology
            if is_h:
                histology.append((sc, p))
                if samples is not None:
                    sc.pointer = self._track_pointer(samples.interval(samples.times[0], samples.times[-1]))
        # Scenes with an accepted median keep their medians; the rest fall back to their keyframe
        # and later frames, all of which go to the classifier as one more batch.
        later = [rgb for sc, _ in histology if not sc.medians for _, rgb in sc.fallback[1:]]
        later_probs = iter(self.clf.predict_proba(later) if later else ())
        for sc, p in histology:
            cands = sc.medians
            if not cands:
                fb = sc.fallback
                ps = [p, *(float(next(later_probs)) for _ in fb[1:])]
                ends = [t for t, _ in fb[1:]] + [sc.end]
                cands = [
                    _Candidate(t, t_end, rgb, "keyframe", 1, pi, pointer=[s for s in sc.pointer if t <= s.t < t_end])
                    for (t, rgb), t_end, pi in zip(fb, ends, ps)
                    if pi >= self.thr
                ]
            for c in cands:
                self._emit(sc.index, c)

    def _accept_medians(self, medians: list[_Candidate]) -> list[_Candidate]:
        """A scene's classified medians, in time order: those below the threshold dropped, and
        consecutive ones that show one view merged."""
        kept: list[_Candidate] = []
        for c in medians:
            if c.prob < self.thr:
                continue
            prev = kept[-1] if kept else None
            if prev is not None and thumb_difference(prev.rgb, c.rgb) < MERGE_DIFF:
                # The same view, split in two because the pointer crossed the SSIM crop once: one
                # image spanning both, from the better-supported median.
                self.counts["stable_merged"] = self.counts.get("stable_merged", 0) + 1
                if c.n_frames > prev.n_frames:
                    prev.rgb, prev.prob = c.rgb, c.prob
                prev.end, prev.n_frames = c.end, prev.n_frames + c.n_frames
                prev.pointer = prev.pointer + c.pointer
                continue
            kept.append(c)
        return kept

    def _emit(self, scene_index: int, c: _Candidate) -> None:
        sharp = sharpness(c.rgb)
        if sharp < self.p.histology.blur_min_laplacian_var:
            self.counts["blurred_rejected"] += 1
            log.info(
                "%s: scene %d image at %.1fs rejected as blurred (laplacian var %.1f)",
                self.vid,
                scene_index,
                c.start,
                sharp,
            )
            return
        image_id = f"{self.vid}_{len(self.images)}"
        ext = self.p.image_format
        ok, buf = cv2.imencode(f".{ext}", cv2.cvtColor(c.rgb, cv2.COLOR_RGB2BGR))
        if not ok:
            raise RuntimeError(f"{self.vid}: could not encode image {image_id}")
        atomic_write_bytes(self.img_dir / f"{image_id}.{ext}", buf.tobytes())
        h = phash(c.rgb)
        dup = next(
            (im.image_id for im in self.images if im.phash and hamming(im.phash, h) <= self.p.duplicate_hamming), None
        )
        if dup:
            self.counts["duplicates"] += 1
        self.counts["median_images" if c.method == "median" else "keyframe_images"] += 1
        self.images.append(
            ChunkImage(
                image_id=image_id,
                path=f"{self.img_rel}/{image_id}.{ext}",
                start=round(c.start, 3),
                end=round(c.end, 3),
                scene_index=scene_index,
                method=c.method,
                n_frames=c.n_frames,
                histology_prob=round(c.prob, 4),
                magnification=magnification(c.rgb, *self.p.magnification_thresholds),
                width=int(c.rgb.shape[1]),
                height=int(c.rgb.shape[0]),
                sharpness=round(sharp, 2),
                phash=h,
                duplicate_of=dup,
                pointer=c.pointer,
            )
        )


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


def analyse_video(
    video_id: str,
    video_path: Path | str,
    out_json: Path,
    img_dir: Path,
    img_rel: str,
    params: FramesParams,
    clf: HistologyClassifier,
    seed: int = 0,
) -> FrameAnalysis:
    """Analyse one video and write its FrameAnalysis (and images). Bad input is recorded as a
    failed analysis with the reason, never raised: one broken file must not stop the stage."""
    t0 = time.time()
    try:
        video = open_video(video_path)
    except VideoInputError as err:
        fa = FrameAnalysis(
            video_id=video_id, status="failed", error=str(err), seconds_elapsed=round(time.time() - t0, 2)
        )
        fa.write(out_json)
        return fa
    with video:  # one open for the facts and the frames: the file's head is read once
        return _analyse(video_id, video, out_json, img_dir, img_rel, params, clf, seed, t0)


def _analyse(
    video_id: str,
    video: VideoFile,
    out_json: Path,
    img_dir: Path,
    img_rel: str,
    params: FramesParams,
    clf: HistologyClassifier,
    seed: int,
    t0: float,
) -> FrameAnalysis:
    video_path, info = video.path, video.info
    fa = FrameAnalysis(
        video_id=video_id, fps=info.fps, duration=round(info.duration, 3), width=info.width, height=info.height
    )
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
            for fr in video.frames(reference_only=params.decode_reference_only):
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
        an.resolve()  # the scenes still queued
    except VideoInputError as err:
        shutil.rmtree(img_dir, ignore_errors=True)
        fa.status, fa.error = "failed", str(err)
        fa.seconds_elapsed = round(time.time() - t0, 2)
        fa.write(out_json)
        return fa
    decoded = last_t + 1.0 / info.fps  # with reference-only decoding, short by the skipped tail frames at most
    if decode_error or (info.duration > 0 and decoded < 0.95 * info.duration):
        fa.error = f"{video_path}: truncated: analysed {decoded:.1f}s of {info.duration:.1f}s" + (
            f" ({decode_error})" if decode_error else ""
        )
        log.warning("%s", fa.error)
    fa.duration = round(max(fa.duration, decoded), 3)
    fa.scenes, fa.keyframes, fa.images = an.scenes, an.keyframes, an.images
    n_h = sum(k.is_histology for k in an.keyframes)
    fa.histology_share = round(n_h / len(an.keyframes), 4) if an.keyframes else 0.0
    fa.counts = dict(an.counts)
    if fa.histology_share < params.histology.min_video_histology_share:
        fa.status = "skipped"
        fa.error = (
            f"histology keyframe share {fa.histology_share:.3f} < frames.histology.min_video_histology_share "
            f"{params.histology.min_video_histology_share}: not a histology video"
        )
        fa.images = []
        shutil.rmtree(img_dir, ignore_errors=True)
        log.info("%s: skipped: %s", video_id, fa.error)
    fa.seconds_elapsed = round(time.time() - t0, 2)
    fa.write(out_json)
    return fa
