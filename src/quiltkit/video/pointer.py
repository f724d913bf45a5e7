"""The lecturer's mouse pointer inside a stable interval, found as what differs from the view.

A stable interval's per-pixel median (stable.StableInterval.median) is the view without what
moves over it, so the difference between one sampled frame and that median is, apart from codec
noise, the pointer. `detect` reads one frame against a reference picture (the interval's median,
or a median of the frames just before: anything that shows the view without the pointer);
`track` reads a whole interval and adds what one frame cannot know. The steps, and why each:

1. Difference: the largest absolute difference over the three channels, so a red laser dot on
   pink tissue counts as much as a white arrow on purple nuclei (a grey difference would nearly
   lose the first), then a small Gaussian blur. H.264 noise is high-frequency and mostly a few
   levels; a pointer is a solid patch tens of levels off, which a blur keeps and noise does not.
2. Moving views. When the share of changed pixels is larger than any pointer could make, or
   phase correlation finds the whole picture shifted, the difference is the motion of the view
   itself and any blob in it would be a guess: such frames are MOVING. `track_detections` with
   align_moving reads them again against their neighbours moved onto them (aligned_neighbours:
   ORB keypoints, a RANSAC similarity; where the strongest fit is no motion, a viewer's chrome
   outvoting the tissue panning inside it, the second fit is the view's), each pixel against the
   nearest of those neighbours (up to ALIGN_NEIGHBOURS on each side) and the interval's own
   reference (which holds what stayed still), with a 3x3 slack for misregistration. Without
   align_moving, or where no fit holds, they stay skipped: a missing point costs a sentence its
   region, where a wrong one would mislead it.
3. Threshold (the larger of a fixed level and a multiple of the frame's own noise level),
   a morphological close that joins a crosshair's arms or an outline broken where the pointer
   matches the background, and connected components kept only when pointer-like: area between a
   few pixels and a small share of the frame, not a thin line (bounding-box aspect), not a
   sparse scatter (fill of the bounding box). Several surviving blobs in one frame are read as
   clutter (a change of the slide's content, a zoom on a drawing), not as a pointer.
4. The point. Nothing here knows what the pointer looks like (the demo's arrow, a hand, a
   crosshair, a laser dot, any size or colour), so the hotspot is inferred from the blob's shape:
   a point-symmetric blob (asymmetry() at most ASYMMETRY: a crosshair, a dot, a ring) points
   with its centre; an asymmetric one points with its topmost pixel, as every desktop cursor set
   draws its arrows and pointing hands tip-up. `Detection.point` is that hotspot,
   `Detection.blob.centre` the blob's centroid, both (x, y) in frame pixels (x to the right, y
   down, pixel centres at integers). One frame judges symmetry from its own blob; `track` judges
   it once per interval from all of them (interval_symmetry), which one hidden arm cannot fool.

A pointer that rests. A pointer still for more than half an interval is part of the median: in
the frames of its rest it is invisible, and in the others the median's copy of it shows up as a
"ghost" blob where it rested. `track` repairs the reference (the chosen policy, of the two
possible: the alternative, carrying the last position through a rest, cannot recover a rest that
starts the interval and leaves the ghost to be confused with the pointer). A blob site that stays
at one place, and in most of its frames appears together with another blob, is a ghost: there is
one pointer, so when a second blob moves about elsewhere, the still one is where the pointer is
absent from the frame but present in the median. The frames showing the ghost show the view
itself at that place, so the reference is replaced there by their median, and every frame is
read again. A real short rest (less than half the interval) never co-occurs with a second blob
and is left alone.
A pointer that never moves within an interval is, to any difference, part of the view: it is
not found (there is no frame without it to tell it from the picture).

Temporal consistency. `track` then drops isolated one-frame jumps: a point far from both
neighbours while the neighbours agree with each other, and a point whose neighbouring frames
were read and hold no blob of about its size, nothing at all or something much larger or smaller
(the pointer keeps its size; reason ISOLATED either way). A lone point between two frames that
found nothing is the simplest case of the second.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Sequence

import cv2
import numpy as np

from quiltkit.video.stack_median import stack_median

Point = tuple[float, float]
Box = tuple[int, int, int, int]  # x, y, w, h in frame pixels

FOUND = "pointer"
NOTHING = "no_pointer"  # the frame was read and nothing pointer-like differs from the reference
MOVING = "moving_view"  # the whole view moves (pan, zoom, cut): skipped by policy
CLUTTER = "clutter"  # several pointer-like blobs at once: some other change of the picture
ISOLATED = "isolated"  # track only: a one-frame jump or blip that its neighbours contradict

ASYMMETRY = 0.3  # asymmetry() above which a blob points with its top, not its centre


@dataclass(frozen=True)
class PointerParams:
    """Detector limits. Sizes are shares of the frame where a pointer's size scales with the video
    (a cursor is drawn at a fixed size on the lecturer's screen, which is then scaled to the
    recording), absolute pixels where they are about codec noise."""

    blur: int = 5  # Gaussian kernel over the difference: wider than x264's ringing, narrower than a pointer
    min_level: float = 22.0  # a pointer pixel differs by at least this (blurred, 8-bit levels)
    noise_k: float = 8.0  # ... and by at least noise_k times the frame's median blurred difference
    close_px: int = 5  # morphological close: joins a crosshair's arms, an outline broken by a matching background
    min_area: int = 8  # px after the close: a 2 px laser dot at 180p survives, a single noisy macroblock edge not
    max_area_share: float = 0.03  # a 100 px hand on a 640x360 frame is 2.2%
    max_side_share: float = 0.35  # bounding-box side against the frame's shorter side
    max_aspect: float = 4.0  # long thin blobs are edges of something that moved, not pointers
    min_fill: float = 0.15  # blob area against its bounding box (a thin crosshair after the close: ~0.3)
    max_blobs: int = 3  # more candidates than this in one frame is clutter
    tip_level: float = 1.5  # the top is read where the unblurred difference exceeds this times the threshold
    min_rel_mass: float = 0.2  # blobs weaker than this share of the strongest are x264's ringing around it
    moving_share: float = 0.08  # share of changed pixels no pointer (with its ghost) makes
    max_shift: float = 0.75  # px of global shift (phase correlation) that means the view moved
    min_shift_response: float = 0.05  # below this phase correlation found no structure to align
    jump_share: float = 0.1  # track: a jump is larger than this share of the frame's longer side
    size_ratio: float = 3.0  # track: blobs of one pointer in neighbouring frames differ in area by less than this
    ghost_px: float = 3.0  # track: a blob within this of a site's first blob is the same site
    ghost_cooccur: float = 0.5  # track: a site is a ghost when another blob shares this share of its frames


@dataclass(frozen=True)
class Blob:
    centre: Point  # centroid of the blob's pixels
    top: Point  # its topmost pixel
    box: Box
    area: int
    mass: float  # summed blurred difference over the blob: how strongly it stands out
    asymmetry: float  # asymmetry() of its soft mask
    soft: np.ndarray = field(repr=False, compare=False)  # the soft mask over `box`

    @property
    def symmetric(self) -> bool:
        return self.asymmetry <= ASYMMETRY

    def hotspot(self, symmetric: bool | None = None) -> Point:
        """Where it points: its centre when (judged) point-symmetric, else its top."""
        return self.centre if (self.symmetric if symmetric is None else symmetric) else self.top


@dataclass(frozen=True)
class Detection:
    point: Point | None
    reason: str  # FOUND, NOTHING, MOVING, CLUTTER, ISOLATED
    blob: Blob | None = None
    candidates: tuple[Blob, ...] = ()
    changed_share: float = 0.0
    shift: Point = (0.0, 0.0)
    details: dict = field(default_factory=dict, compare=False)


def _difference(
    frame: np.ndarray, references: Sequence[np.ndarray], blur: int, slack: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """The frame's largest channel difference from the nearest of the references, raw and
    blurred. With slack, a pixel differs only by how far it lies outside the range its reference
    takes over the 3x3 pixels around it: what a sub-pixel misregistration or the warp's
    interpolation leaves along every edge of an aligned view is inside that range, a pointer,
    which is in no neighbour at all, is not."""
    raw = None
    for ref in references:
        if frame.shape != ref.shape:
            raise ValueError(f"frame {frame.shape} and reference {ref.shape} differ in size")
        if slack:
            lo, hi = cv2.erode(ref, _SLACK), cv2.dilate(ref, _SLACK)
            d = cv2.max(cv2.subtract(frame, hi), cv2.subtract(lo, frame))  # saturating: 0 inside the range
        else:
            d = cv2.absdiff(frame, ref)
        if d.ndim == 3:  # the largest channel difference; cv2.max, several times numpy's reduce
            c = cv2.split(d)
            d = cv2.max(cv2.max(c[0], c[1]), c[2]) if len(c) == 3 else d.max(axis=2)
        raw = d if raw is None else cv2.min(raw, d)
    return raw, cv2.GaussianBlur(raw.astype(np.float32), (blur, blur), 0)


_SLACK = np.ones((3, 3), np.uint8)


def _gray32(img: np.ndarray) -> np.ndarray:
    g = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY) if img.ndim == 3 else img
    return g.astype(np.float32)


_WINDOWS: dict[tuple[int, int], np.ndarray] = {}


def _hann(shape: tuple[int, int]) -> np.ndarray:
    if shape not in _WINDOWS:  # one per frame size: a video's frames share it
        _WINDOWS[shape] = cv2.createHanningWindow(shape[::-1], cv2.CV_32F)
    return _WINDOWS[shape]


def global_shift(frame: np.ndarray, reference: np.ndarray) -> tuple[Point, float]:
    """(dx, dy) that aligns the frame with the reference, by phase correlation over a Hann window,
    and the correlation peak's response (near 0: nothing to align, such as a blank slide). At full
    resolution: at half, the pointer's own motion weighs enough in the correlation to read as a
    shift past max_shift (measured: every frame of the 480x270 clips then skipped)."""
    a, b = _gray32(reference), _gray32(frame)
    (dx, dy), resp = cv2.phaseCorrelate(a, b, _hann(a.shape[:2]))
    return (float(dx), float(dy)), float(resp)


def _soft_mask(diff: np.ndarray, comp: np.ndarray, thr: float) -> np.ndarray:
    """The blob as weights in 0..1: its blurred difference against twice the threshold, so the
    solid body of a pointer counts fully and its fringe (where it blends into the background)
    partly; a hard mask flickers at that fringe from frame to frame."""
    return np.clip(diff / (2 * thr), 0, 1).astype(np.float32) * comp


def asymmetry(soft: np.ndarray, cx: float, cy: float) -> float:
    """How far a blob (weights, centroid cx, cy in its own pixels) is from point symmetry: the
    size of its standardised third moments (0 for any point-symmetric shape) plus one minus its
    soft overlap with itself turned 180 degrees about the centroid. Either alone lets some shapes
    through: a compact arrow overlaps its turned copy by 0.7, a thin crosshair is skewed by
    whichever arm a background of its colour hid. On an interval's mean blob (interval_symmetry)
    crosshairs and dots measure under 0.15 and arrows and hands over 0.4 (tests/video/test_pointer.py)."""
    m = cv2.moments(soft)
    if m["m00"] <= 0:
        return 0.0
    sx, sy = np.sqrt(max(m["mu20"], 1e-9) / m["m00"]), np.sqrt(max(m["mu02"], 1e-9) / m["m00"])
    g = (
        m["mu30"] / m["m00"] / sx**3,
        m["mu21"] / m["m00"] / (sx * sx * sy),
        m["mu12"] / m["m00"] / (sx * sy * sy),
        m["mu03"] / m["m00"] / sy**3,
    )
    skew = float(np.sqrt(np.sum(np.square(g))))
    h, w = soft.shape
    pad = max(h, w)  # room for the turned copy
    canvas = cv2.copyMakeBorder(soft, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
    turn = cv2.getRotationMatrix2D((cx + pad, cy + pad), 180, 1.0)
    turned = cv2.warpAffine(canvas, turn, canvas.shape[::-1], flags=cv2.INTER_LINEAR)
    overlap = float(np.minimum(canvas, turned).sum() / max(1e-9, np.maximum(canvas, turned).sum()))
    return skew + (1.0 - overlap)


def _top(mask: np.ndarray, x0: int, y0: int) -> Point:
    """The blob's topmost pixel (x averaged over its top two rows, so that one stray pixel moves
    it little), in frame pixels."""
    ys, xs = np.nonzero(mask)
    top = ys.min()
    sel = ys <= top + 1
    return float(xs[sel].mean() + x0), float(top + y0)


def candidates(
    frame: np.ndarray,
    reference: np.ndarray,
    params: PointerParams | None = None,
    also: Sequence[np.ndarray] = (),
) -> tuple[list[Blob], dict]:
    """Every pointer-like blob where the frame differs from the reference, strongest first, and
    what was measured on the way (threshold, changed share, shift); an empty list with
    details["moving"] set when the view itself moved.

    With `also`, the reference is one neighbour of a moving view moved onto the frame
    (aligned_neighbours) and `also` more pictures of it: the other neighbours, and the interval's
    own reference, which shows what did not move with the view (a viewer's toolbar and
    annotations, a presenter's inset). Each pixel is read against the nearest of them, with the
    misregistration slack of _difference, and the global shift is not asked (the chrome would
    answer it). Neighbours on both sides, because moving the view also moves its still
    layer: an inset moved with the tissue lands on the tissue beside it, below the inset in the
    neighbours before and above it in those after, so one of them holds the view there. A
    pointer is in none of them where it is in the frame, as long as it moves."""
    p = params or PointerParams()
    aligned = bool(also)
    raw, diff = _difference(frame, (reference, *also), p.blur, slack=aligned)
    h, w = diff.shape
    # The changed share is taken at the fixed level: a moving view raises the frame's median
    # difference, and with it the noise-scaled threshold, until nothing seems to change at all.
    share = float(np.count_nonzero(diff > p.min_level)) / diff.size
    # the noise level from every other row and column: the median of a quarter of the pixels is
    # the frame's to a fraction of a level, at a quarter of the partition's cost
    thr = max(p.min_level, p.noise_k * float(np.median(diff[::2, ::2])))
    mask = (diff > thr).astype(np.uint8)
    details = {"threshold": thr, "changed_share": share, "shift": (0.0, 0.0), "moving": False}
    if share > p.moving_share:
        details["moving"] = True
        return [], details
    if share == 0:
        return [], details
    if not aligned:  # phase correlation only where something changed: a pan of a slide changes only its edges
        shift, resp = global_shift(frame, reference)
        details["shift"], details["shift_response"] = shift, resp
        if resp >= p.min_shift_response and np.hypot(*shift) > p.max_shift:
            details["moving"] = True
            return [], details
    # Only the box around what changed is labelled (padded by the close's reach, so the close
    # and the components are those of the whole frame): a pointer changes a few hundred pixels.
    bx, by, bw_, bh_ = cv2.boundingRect(mask)
    if bw_ == 0:
        return [], details
    ox, oy = max(0, bx - p.close_px), max(0, by - p.close_px)
    ex, ey = min(w, bx + bw_ + p.close_px), min(h, by + bh_ + p.close_px)
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (p.close_px, p.close_px))
    closed = cv2.morphologyEx(mask[oy:ey, ox:ex], cv2.MORPH_CLOSE, k)
    n, labels, stats, cents = cv2.connectedComponentsWithStats(closed, connectivity=8)
    max_area = p.max_area_share * h * w
    max_side = p.max_side_share * min(h, w)
    # The top is read from the unblurred difference inside the blob, well above the threshold:
    # the blur spreads a thin arrow tip upwards by a pixel or two, and x264 leaves a faint trail
    # where a moving pointer just was, which the close can join to the blob. Over the eight
    # clips of tests/video/test_pointer.py, 1.5x the threshold cuts the arrows' median error by
    # a third (about 2.2 to 1.5 px) against 0.5x and loses no frame.
    raw_mask = (raw > p.tip_level * thr).astype(np.uint8)
    blobs = []
    for i in range(1, n):
        lx, ly, bw, bh, area = (int(v) for v in stats[i])
        x, y = lx + ox, ly + oy
        if not (p.min_area <= area <= max_area) or max(bw, bh) > max_side:
            continue
        if max(bw, bh) / max(1, min(bw, bh)) > p.max_aspect or area / (bw * bh) < p.min_fill:
            continue
        comp = labels[ly : ly + bh, lx : lx + bw] == i
        fine = (raw_mask[y : y + bh, x : x + bw] > 0) & comp
        top = _top(fine if np.count_nonzero(fine) >= p.min_area else comp, x, y)
        cx, cy = float(cents[i][0]) + ox, float(cents[i][1]) + oy
        soft = _soft_mask(diff[y : y + bh, x : x + bw], comp, thr)
        mass = float(diff[y : y + bh, x : x + bw][comp].sum())
        blobs.append(Blob((cx, cy), top, (x, y, bw, bh), area, mass, asymmetry(soft, cx - x, cy - y), soft))
    blobs.sort(key=lambda b: -b.mass)
    # x264 smears a moving pointer's edges into the macroblocks around it: small, faint blobs
    # next to a strong one. A second pointer-like change (a ghost, an edit of the slide) is
    # about as strong as the first, so strength relative to the strongest tells them apart.
    blobs = [b for b in blobs if b.mass >= p.min_rel_mass * blobs[0].mass]
    return blobs, details


def detect(
    frame: np.ndarray, reference: np.ndarray, params: PointerParams | None = None, also: Sequence[np.ndarray] = ()
) -> Detection:
    """The pointer in one RGB frame against a reference picture of the same view (same size,
    uint8): Detection.point is its hotspot in frame pixels, or None with the reason. `also`: as
    in candidates, for a reference aligned onto a moving view."""
    p = params or PointerParams()
    blobs, d = candidates(frame, reference, p, also)
    common = dict(changed_share=d["changed_share"], shift=d["shift"], details=d)
    if d["moving"]:
        return Detection(None, MOVING, **common)
    if not blobs:
        return Detection(None, NOTHING, **common)
    if len(blobs) > p.max_blobs:
        return Detection(None, CLUTTER, candidates=tuple(blobs), **common)
    return Detection(blobs[0].hotspot(), FOUND, blob=blobs[0], candidates=tuple(blobs), **common)


# --------------------------------------------------------------------------------------------
# over an interval


def _ghost_sites(dets: list[Detection], p: PointerParams) -> list[list[tuple[int, Blob]]]:
    """Sites of blobs that stay put and mostly share their frame with another blob (the module
    docstring's ghosts of a rest), each as its (frame index, blob) members."""
    sites: list[list[tuple[int, Blob]]] = []
    for k, d in enumerate(dets):
        for b in d.candidates:
            for site in sites:
                first = site[0][1]
                if np.hypot(b.centre[0] - first.centre[0], b.centre[1] - first.centre[1]) <= p.ghost_px and (
                    0.65 * first.area <= b.area <= first.area / 0.65
                ):
                    if site[-1][0] != k:
                        site.append((k, b))
                    break
            else:
                sites.append([(k, b)])
    ghosts = []
    for site in sites:
        if len(site) < 2:
            continue
        shared = sum(1 for k, _ in site if len(dets[k].candidates) > 1)
        if shared / len(site) >= p.ghost_cooccur:
            ghosts.append(site)
    return ghosts


def repair_reference(
    frames: Sequence[np.ndarray], reference: np.ndarray, dets: list[Detection], params: PointerParams | None = None
) -> tuple[np.ndarray, int]:
    """The reference with each ghost of a rest replaced by the view the ghost's own frames show
    there (their per-pixel median), and the number of ghosts repaired (0: the reference as given)."""
    p = params or PointerParams()
    ghosts = _ghost_sites(dets, p)
    if not ghosts:
        return reference, 0
    out = reference.copy()
    h, w = reference.shape[:2]
    m = p.close_px  # the blob's box grown by the blur and close that shaped it
    for site in ghosts:
        x0 = max(0, min(b.box[0] for _, b in site) - m)
        y0 = max(0, min(b.box[1] for _, b in site) - m)
        x1 = min(w, max(b.box[0] + b.box[2] for _, b in site) + m)
        y1 = min(h, max(b.box[1] + b.box[3] for _, b in site) + m)
        out[y0:y1, x0:x1] = stack_median([frames[k][y0:y1, x0:x1] for k, _ in site])
    return out, len(ghosts)


def interval_symmetry(dets: Sequence[Detection]) -> tuple[bool | None, float]:
    """Whether the interval's pointer is point-symmetric, judged once from the per-pixel median
    of its detected blobs' soft masks laid over each other at their centroids (None, nan: no blob).

    One frame's blob is the pointer as far as it differs from the background under it: a green
    crosshair over green-ish stroma loses an arm, and that frame alone would take it for an
    asymmetric cursor and report its top. The cursor's shape is the same in every frame of an
    interval while what hides it varies, so what most of them agree on is the shape itself. A
    median, not a mean: a few frames' blobs are not the pointer alone (a laser dot smeared by the
    codec into a tail, a crosshair joined by the close to an edge beside it), and a mean takes
    their outline in; on the held-out viewer pan one such blob of five turned a crosshair (median
    mask 0.12) into an asymmetric cursor (mean 0.80)."""
    blobs = [d.blob for d in dets if d.blob is not None]
    if not blobs:
        return None, float("nan")
    side = 2 * max(max(b.box[2], b.box[3]) for b in blobs) + 3
    c = side // 2
    laid = []
    for b in blobs:
        shift = np.float32([[1, 0, c - (b.centre[0] - b.box[0])], [0, 1, c - (b.centre[1] - b.box[1])]])
        laid.append(cv2.warpAffine(b.soft, shift, (side, side), flags=cv2.INTER_LINEAR))
    acc = np.median(np.stack(laid), axis=0).astype(np.float32)
    m = cv2.moments(acc)
    a = asymmetry(acc, m["m10"] / m["m00"], m["m01"] / m["m00"]) if m["m00"] > 0 else 0.0
    return a <= ASYMMETRY, a


def _reject_isolated(dets: list[Detection], jump: float, size_ratio: float) -> list[Detection]:
    out = list(dets)

    def far(a: Point, b: Point) -> bool:
        return float(np.hypot(a[0] - b[0], a[1] - b[1])) > jump

    for k in range(1, len(dets) - 1):
        prev, cur, nxt = dets[k - 1], dets[k], dets[k + 1]
        if cur.point is None:
            continue
        if prev.point is not None and nxt.point is not None:
            # a jump out and straight back: the neighbours agree, this frame alone does not
            if not far(prev.point, nxt.point) and far(cur.point, prev.point) and far(cur.point, nxt.point):
                out[k] = replace(cur, point=None, reason=ISOLATED)

    # The cursor is drawn at one size on the lecturer's screen, so from one sampled frame to the
    # next its blob keeps its area to within the codec's smear and an outline partly lost on a
    # matching background. A detection whose neighbours were both read (not skipped as moving or
    # clutter) and hold no blob of about its size is something else: the edge of an inset or of
    # a viewer's annotation that the alignment left, a blip of the codec. Position is not asked:
    # at two samples a second a pointer crosses a third of the frame between them.
    def same_size(a: Detection, b: Detection) -> bool:
        if b.point is None or b.blob is None:
            return False
        return max(a.blob.area, b.blob.area) <= size_ratio * min(a.blob.area, b.blob.area)

    kept = list(out)
    for k, cur in enumerate(out):
        around = [out[j] for j in (k - 1, k + 1) if 0 <= j < len(out)]
        if cur.point is None or cur.blob is None or not around:
            continue
        unread = any(d.reason in (MOVING, CLUTTER) for d in around)
        if not unread and not any(same_size(cur, d) for d in around):
            kept[k] = replace(cur, point=None, reason=ISOLATED)
    return kept


ALIGN_NEIGHBOURS = 2  # frames on each side that are moved onto a moving frame
ALIGN_FEATURES = 600  # ORB keypoints per frame
ALIGN_MIN_INLIERS = 12  # RANSAC inliers below which a neighbour is not trusted to show the same view


def _fit_similarity(src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """RANSAC similarity (2x3) from matched points and its inlier mask, or None with too few."""
    if len(src) < ALIGN_MIN_INLIERS:
        return None
    M, inl = cv2.estimateAffinePartial2D(src, dst, method=cv2.RANSAC, ransacReprojThreshold=2.0)
    if M is None or int(inl.sum()) < ALIGN_MIN_INLIERS:
        return None
    return M, inl.ravel().astype(bool)


def _is_still(M: np.ndarray, px: float = 0.5) -> bool:
    """Whether a 2x3 similarity moves no pixel of a frame by more than about px: no motion."""
    return bool(np.abs(M[:, 2]).max() <= px and np.abs(M[:, :2] - np.eye(2)).max() <= 1e-3)


class _Features:
    """ORB keypoints of each frame, and the similarity moving each frame onto the next, computed
    once, on first use. A neighbour two frames away is moved by the two steps composed: a third of
    the matching that fitting every pair would cost, for an error of two fits instead of one."""

    def __init__(self, frames: Sequence[np.ndarray]):
        self.frames = frames
        self.orb = cv2.ORB_create(ALIGN_FEATURES)
        self.matcher = cv2.BFMatcher(cv2.NORM_HAMMING, crossCheck=True)
        self._kp: dict[int, tuple] = {}
        self._step: dict[int, np.ndarray | None] = {}

    def keypoints(self, k: int) -> tuple:
        if k not in self._kp:
            f = self.frames[k]
            self._kp[k] = self.orb.detectAndCompute(cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) if f.ndim == 3 else f, None)
        return self._kp[k]

    def step(self, j: int) -> np.ndarray | None:
        """3x3 similarity taking frame j's pixels to frame j + 1's, or None where no fit holds.

        The motion of what moves: where the strongest fit is no motion at all (a viewer's chrome
        and annotations, an inset, outvoting the tissue panning behind them), the fit is made
        again over the matches it left out, and a second motion found there is the view's."""
        if j not in self._step:
            self._step[j] = None
            (kp_a, des_a), (kp_b, des_b) = self.keypoints(j), self.keypoints(j + 1)
            if des_a is not None and des_b is not None:
                matches = self.matcher.match(des_a, des_b)
                src = np.float32([kp_a[m.queryIdx].pt for m in matches]).reshape(-1, 2)
                dst = np.float32([kp_b[m.trainIdx].pt for m in matches]).reshape(-1, 2)
                M = _fit_similarity(src, dst)
                if M is not None and _is_still(M[0]):
                    rest = ~M[1]
                    second = _fit_similarity(src[rest], dst[rest])
                    if second is not None and not _is_still(second[0]):
                        M = second
                if M is not None:
                    self._step[j] = np.vstack([M[0], [0.0, 0.0, 1.0]])
        return self._step[j]

    def onto(self, j: int, k: int) -> np.ndarray | None:
        """2x3 similarity taking frame j's pixels to frame k's, through the steps between them."""
        M = np.eye(3)
        for i in range(min(j, k), max(j, k)):
            s = self.step(i)
            if s is None:
                return None
            M = s @ M
        if j > k:
            M = np.linalg.inv(M)
        return M[:2].astype(np.float32)


def aligned_neighbours(feats: _Features, k: int) -> list[np.ndarray] | None:
    """The view of frame k without the pointer while the view moves: the frames up to
    ALIGN_NEIGHBOURS on each side, each moved onto frame k by a similarity (shift, zoom, small
    turn) fitted by RANSAC to matched ORB keypoints, nearest first; None with fewer than two (a
    neighbour beyond a step that does not fit, a cut or a blank slide, is left out). The pointer
    sits elsewhere in each neighbour, so a pixel of it in frame k matches none of them, where the
    view matches one (candidates reads the frame against the nearest: `also`). The neighbours
    themselves, not their median: the nearest-of rule needs no majority, and on the held-out
    corpus two neighbours instead of four cost 5 more false detections of 93. Where a neighbour
    moved in from outside the frame it shows frame k itself (a transparent border), so the strip
    that entered reads as no change instead of a blob along the border."""
    frames = feats.frames
    h, w = frames[k].shape[:2]
    order = [j for d in range(1, ALIGN_NEIGHBOURS + 1) for j in (k - d, k + d) if 0 <= j < len(frames)]
    out = []
    for j in order:
        M = feats.onto(j, k)
        if M is None:
            continue
        moved = frames[k].copy()
        cv2.warpAffine(frames[j], M, (w, h), dst=moved, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_TRANSPARENT)
        out.append(moved)
    return out if len(out) >= 2 else None


def track_detections(
    frames: Sequence[np.ndarray],
    reference: np.ndarray,
    params: PointerParams | None = None,
    align_moving: bool = False,
) -> list[Detection]:
    """`detect` over an interval's frames with the rest repair and the isolated-jump rejection
    of the module docstring; one Detection per frame, details["ghosts_repaired"] on each. With
    align_moving, a frame skipped as a moving view is read again against its neighbours moved
    onto it (aligned_neighbours; details["aligned"]), and stays skipped where that fails."""
    p = params or PointerParams()
    if not frames:
        return []
    dets = [detect(f, reference, p) for f in frames]
    ref, n_ghosts = repair_reference(frames, reference, dets, p)
    if n_ghosts:
        dets = [detect(f, ref, p) for f in frames]
    if align_moving and any(d.reason == MOVING for d in dets):
        feats = _Features(frames)
        for k, d in enumerate(dets):
            if d.reason != MOVING:
                continue
            neighbours = aligned_neighbours(feats, k)
            if neighbours is not None:
                again = detect(frames[k], neighbours[0], p, also=(*neighbours[1:], ref))
                again.details["aligned"] = True
                dets[k] = again
    symmetric, asym = interval_symmetry(dets)
    for k, d in enumerate(dets):
        d.details["ghosts_repaired"] = n_ghosts
        d.details["interval_asymmetry"] = asym
        if d.blob is not None:
            dets[k] = replace(d, point=d.blob.hotspot(symmetric))
    h, w = reference.shape[:2]
    return _reject_isolated(dets, p.jump_share * max(h, w), p.size_ratio)


def track(
    frames: Sequence[np.ndarray], reference: np.ndarray, params: PointerParams | None = None, align_moving: bool = False
) -> list[Point | None]:
    """The pointer's hotspot per frame of an interval (None where absent or skipped)."""
    return [d.point for d in track_detections(frames, reference, params, align_moving)]
