"""The demo's ground truth, checked against the media it renders.

Every metric of the project is scored against GroundTruth, so the truth itself is measured here
from the decoded mp4, not from the plan that wrote it: shot boundaries against a per-frame
difference signal of the decoded frames, sentence times against the decoded audio's energy,
and a few cheap facts (frame count, durations, repeated pictures, the pointer) against what the
container holds. Each check is a function returning a list of problems; every one has a negative
control below that perturbs the truth in memory and shows the check flags it.

What the renderer animates on purpose (render.py), and how each check allows for it:
* pans and zooms of histology shots (View._window, smoothstep in u over the shot): the change
  between two frames is bounded to first order by |gradient| x the largest displacement the
  motion parameters of make_view allow (see _motion_px);
* the lecturer's pointer in shots with pointer=True: a 12x12 sprite, drawn at two places at most
  in a pair of frames (_pointer_allowance);
* crossfades (FrameSource._blend): a linear blend over CROSSFADE_SECONDS around the boundary,
  checked against its alpha profile instead of as a cut;
* codec noise: x264 at crf 27 re-quantises textured tissue at each I-frame; NOISE bounds it.
Nothing else moves: titles, slides, presenter shots and their chrome are still pictures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from quiltkit.config import DemoParams
from quiltkit.contracts import GroundTruth
from quiltkit.demo import slides
from quiltkit.demo.lecture import make_video, plan_lecture
from quiltkit.demo.plan import CROSSFADE_SECONDS, SILENCE_MIN

REPO = Path(__file__).resolve().parents[2]
SEED = 1337
DEMO = DemoParams(video_seconds=30, width=320, height=180)

# --- video tolerances, in 8-bit levels of a 1/8-scale (INTER_AREA) frame ---------------------
# At 1/8 scale a cut changes the picture by 34-121 levels in these lectures while codec noise
# and the slow motions stay under 3, so the scale separates the two by an order of magnitude.
SCALE = 8
CUT_MIN = 12.0  # a listed cut must change the picture at least this much
UNLISTED = CUT_MIN / 2  # any change this large outside a listed transition is a cut the truth lacks
NOISE = 1.5  # codec allowance for one frame pair (measured max 1.04: an I-frame, a B-frame before a fade)
ALPHA_TOL = 0.04  # crossfade alpha error (measured <= 0.028; one frame of misplacement is 1/18 = 0.056)
SAME_PICTURE = UNLISTED  # two views of one image_key at the same u differ by less (measured <= 2.3;
# different keys: >= 28)
STRONG = 64  # full-res level change only the pointer makes in a still shot (pointerless ones: 0 px here)

# --- audio tolerances ---------------------------------------------------------------------
# tts._trim makes a sentence's GT edges its first and last sample above 200 (int16); the track
# is digital silence elsewhere (no noise or music by design), so "speech" is well above 100 and
# "quiet" is below 16, and the silence floor decodes as exact zeros.
SPEECH_LEVEL = 100 / 32768
QUIET_LEVEL = 16 / 32768
SPEECH_RMS = 0.01  # a sentence's RMS over [start, end] (-40 dBFS; measured 0.077-0.098)
BLOCK = 0.005  # envelope resolution (s)
# The AAC encoder smears energy across its transform blocks (a frame is 1024 samples = 46 ms at
# 22.05 kHz); measured edges are within 7 ms of the truth here (5 ms envelope blocks), and the
# track is exactly 0 again 10 ms past them. 25 ms, about half a frame,
# stays far below SPEECH_GAP (0.3 s) and the 0.5 s perturbations the controls use.
EDGE_TOL = 0.025


@dataclass
class Media:
    lo: np.ndarray  # (n, h/SCALE, w/SCALE, 3) float32
    strong: np.ndarray  # (n-1,) full-res pixels changing by > STRONG levels, frame k -> k+1
    frame_times: np.ndarray  # seconds, from pts
    width: int
    height: int
    rate: float
    container_duration: float
    title: str
    audio: np.ndarray  # float32 mono, sample j at time j / sr (placed by pts)
    audio_pts_contiguous: bool
    audio_stream_duration: float
    sr: int

    @property
    def diff(self) -> np.ndarray:  # diff[k]: mean change from frame k to k+1, at 1/SCALE
        if not hasattr(self, "_diff"):
            self._diff = np.abs(np.diff(self.lo, axis=0)).mean(axis=(1, 2, 3))
        return self._diff

    @property
    def block(self) -> int:  # envelope block in samples, about BLOCK seconds
        return int(round(BLOCK * self.sr))

    @property
    def envelope(self) -> np.ndarray:  # max |x| per block: envelope[j] covers samples [j*block, (j+1)*block)
        if not hasattr(self, "_env"):
            x = self.audio[: len(self.audio) // self.block * self.block]
            self._env = np.abs(x).reshape(-1, self.block).max(axis=1)
        return self._env

    def t(self, j: int) -> float:  # start time of envelope block j (exact: a block is not exactly BLOCK)
        return j * self.block / self.sr

    def blocks(self, t0: float, t1: float) -> slice:  # the envelope blocks that lie inside [t0, t1]
        return slice(max(0, math.ceil(t0 * self.sr / self.block)), max(0, int(t1 * self.sr) // self.block))


def decode(path: Path) -> Media:
    lo, strong, times, prev = [], [], [], None
    with av.open(str(path)) as c:
        vs = c.streams.video[0]
        for f in c.decode(vs):
            rgb = f.to_ndarray(format="rgb24")
            times.append(float(f.pts * f.time_base))
            lo.append(
                cv2.resize(rgb, (rgb.shape[1] // SCALE, rgb.shape[0] // SCALE), interpolation=cv2.INTER_AREA).astype(
                    np.float32
                )
            )
            if prev is not None:
                strong.append(int((np.abs(rgb.astype(np.int16) - prev).max(axis=2) > STRONG).sum()))
            prev = rgb.astype(np.int16)
        width, height, rate = vs.codec_context.width, vs.codec_context.height, float(vs.average_rate)
        duration, title = c.duration / 1e6, c.metadata.get("title", "")
    with av.open(str(path)) as c:
        st = c.streams.audio[0]
        sr, chunks, contiguous, pos = st.sample_rate, [], True, 0
        for f in c.decode(st):
            a = f.to_ndarray().reshape(-1).astype(np.float32)
            contiguous &= f.pts == pos
            chunks.append((f.pts, a))
            pos = f.pts + a.size
        audio = np.zeros(pos, np.float32)
        for p, a in chunks:
            audio[p : p + a.size] = a
        a_dur = float(st.duration * st.time_base)
    return Media(
        np.stack(lo),
        np.array(strong),
        np.array(times),
        width,
        height,
        rate,
        duration,
        title,
        audio,
        contiguous,
        a_dur,
        sr,
    )


# --------------------------------------------------------------------------------------------
# what the truth implies for each frame


def _frame(gt: GroundTruth, t: float) -> int:
    return int(round(t * gt.fps))


def blend_frames(gt: GroundTruth, start: float) -> tuple[int, int]:
    """First and last frame FrameSource blends for a crossfade at `start` ([start-h, start+h))."""
    h = CROSSFADE_SECONDS / 2
    return math.ceil((start - h) * gt.fps - 1e-6), math.ceil((start + h) * gt.fps - 1e-6) - 1


def expected_alpha(gt: GroundTruth, start: float, k: int) -> float:
    return float(np.clip((k / gt.fps - (start - CROSSFADE_SECONDS / 2) + 0.5 / gt.fps) / CROSSFADE_SECONDS, 0, 1))


def shot_interior(gt: GroundTruth, i: int) -> tuple[int, int]:
    """Frames [a, b] of shot i that show it alone (no blend with a neighbour)."""
    s = gt.shots[i]
    a = blend_frames(gt, s.start)[1] + 1 if s.transition_in == "crossfade" else _frame(gt, s.start)
    nxt = gt.shots[i + 1] if i + 1 < len(gt.shots) else None
    b = (
        blend_frames(gt, nxt.start)[0] - 1
        if nxt is not None and nxt.transition_in == "crossfade"
        else _frame(gt, s.end) - 1
    )
    return a, b


def _motion_px(gt: GroundTruth, i: int) -> float:
    """The largest displacement (frame px per frame) the shot's motion can make, from make_view:
    a pan travels at most 0.25 * w frame px over the shot, a zoom changes the window size by
    0.95/0.7 at most (displacing the corners most); smoothstep's peak speed is 1.5x the mean.
    With chrome the moving viewport is smaller than the frame, so these bounds still hold."""
    s = gt.shots[i]
    n = max(1, _frame(gt, s.end) - _frame(gt, s.start))
    if s.motion == "pan":
        return 1.5 * 0.25 * gt.width / n
    if s.motion == "zoom":
        return 1.5 * math.log(0.95 / 0.7) / n * math.hypot(gt.width / 2, gt.height / 2)
    return 0.0


def _sprite_area(gt: GroundTruth) -> float:
    return float(slides.pointer_sprite(max(10, gt.height // 18))[1].sum())


def _pointer_allowance(gt: GroundTruth) -> float:
    # the sprite at two places, every covered pixel changed by up to 255: a bound on the mean
    # change at any scale (area averaging cannot increase a mean absolute difference)
    return 2 * _sprite_area(gt) * 255 / (gt.width * gt.height)


def _gradient(lo: np.ndarray) -> float:
    return float(np.abs(np.diff(lo, axis=1)).mean() + np.abs(np.diff(lo, axis=0)).mean())


# --------------------------------------------------------------------------------------------
# checks: each returns the list of disagreements between the truth and the media


def cut_problems(gt: GroundTruth, m: Media) -> list[str]:
    """Every listed cut is a large change, and exactly at the listed frame: the truth claims
    frame-exact cuts (frame round(start*fps) is the first of the new shot), so tolerance is 0."""
    out, d = [], m.diff
    for s in gt.shots[1:]:
        if s.transition_in != "cut":
            continue
        k = _frame(gt, s.start)
        if not 1 <= k < len(m.lo):
            out.append(f"cut into shot {s.index} at frame {k}: outside the video")
            continue
        lo_, hi_ = max(0, k - 3), min(len(d), k + 2)
        peak = lo_ + int(np.argmax(d[lo_:hi_]))
        if d[k - 1] < CUT_MIN or peak != k - 1:
            out.append(
                f"cut into shot {s.index} (t={s.start}): change {d[k - 1]:.1f} at its frame, "
                f"largest nearby at frame {peak + 1} ({d[peak]:.1f})"
            )
    return out


def unlisted_change_problems(gt: GroundTruth, m: Media) -> list[str]:
    """No large change between two frames that the truth does not list as a cut or a fade."""
    listed = set()
    for s in gt.shots[1:]:
        if s.transition_in == "cut":
            listed.add(_frame(gt, s.start) - 1)
        else:
            f0, f1 = blend_frames(gt, s.start)
            listed.update(range(f0 - 1, f1 + 1))
    return [
        f"unlisted change {v:.1f} from frame {k} to {k + 1} (t={(k + 1) / gt.fps:.3f})"
        for k, v in enumerate(m.diff)
        if v >= UNLISTED and k not in listed
    ]


def crossfade_problems(gt: GroundTruth, m: Media) -> list[str]:
    """Each listed crossfade is the renderer's linear blend around its start: the alpha that
    best explains each frame as (1-a)*before + a*after follows the profile the start implies."""
    out, n = [], len(m.lo)
    for s in gt.shots[1:]:
        if s.transition_in != "crossfade":
            continue
        f0, f1 = blend_frames(gt, s.start)
        if f0 - 4 < 0 or f1 + 4 >= n:
            out.append(f"crossfade into shot {s.index}: window outside the video")
            continue
        a, b = m.lo[f0 - 1].ravel(), m.lo[f1 + 1].ravel()
        if np.abs(b - a).mean() < CUT_MIN:
            out.append(f"crossfade into shot {s.index} (t={s.start}): the frames around it show the same picture")
            continue
        ks = range(f0 - 3, f1 + 4)
        err = max(
            abs(float((m.lo[k].ravel() - a) @ (b - a) / ((b - a) @ (b - a))) - expected_alpha(gt, s.start, k))
            for k in ks
        )
        if err > ALPHA_TOL:
            out.append(f"crossfade into shot {s.index} (t={s.start}): blend off its profile by {err:.3f} in alpha")
    return out


def stability_problems(gt: GroundTruth, m: Media) -> list[str]:
    """Inside a shot, frames change no more than its declared motion, pointer and codec noise
    allow; a still shot stays the picture it starts with (which also catches slow drift)."""
    out, ptr = [], _pointer_allowance(gt)
    for i, s in enumerate(gt.shots):
        a, b = shot_interior(gt, i)
        v = _motion_px(gt, i)
        allow_p = ptr if s.pointer else 0.0
        for k in range(a, b):
            bound = NOISE + allow_p + _gradient(m.lo[k]) * v / SCALE
            if m.diff[k] > bound:
                out.append(
                    f"shot {s.index} ({s.kind}, {s.motion}): change {m.diff[k]:.2f} > {bound:.2f} "
                    f"from frame {k} to {k + 1}"
                )
                break
        if v == 0.0:
            drift = np.abs(m.lo[a : b + 1] - m.lo[a]).mean(axis=(1, 2, 3))
            if drift.max() > 2 * NOISE + allow_p:
                out.append(
                    f"shot {s.index} ({s.kind}) is declared still but moves: "
                    f"frame {a + int(drift.argmax())} differs by {drift.max():.2f} from frame {a}"
                )
    return out


def pointer_problems(gt: GroundTruth, m: Media) -> list[str]:
    """In still shots, only the pointer changes pixels strongly: shots with pointer=True show it
    moving (most frame pairs have a sprite's worth of strong changes), shots without show none."""
    out, area = [], _sprite_area(gt)
    for i, s in enumerate(gt.shots):
        if _motion_px(gt, i):
            continue  # under a pan or zoom everything moves: the pointer is not separable this way
        a, b = shot_interior(gt, i)
        strong = m.strong[a:b]
        if s.pointer and not (np.median(strong) >= area / 4 and strong.max() <= 2 * area + 16):
            out.append(
                f"shot {s.index}: pointer=True but strong changes per frame are median {np.median(strong)}, "
                f"max {strong.max()} (sprite {area:.0f} px)"
            )
        if not s.pointer and strong.max() > 8:
            out.append(f"shot {s.index}: pointer=False but {strong.max()} pixels change strongly between two frames")
    return out


def picture_problems(gt: GroundTruth, m: Media) -> list[str]:
    """Histology shots with one image_key show the same picture (a repeat moves the same way, so
    compare them at u = 0.5); different keys show different pictures."""
    out = []
    hist = [s for s in gt.shots if s.kind == "histology"]
    mid = {s.index: m.lo[_frame(gt, (s.start + s.end) / 2)] for s in hist}
    for j, s in enumerate(hist):
        for t in hist[j + 1 :]:
            d = float(np.abs(mid[s.index] - mid[t.index]).mean())
            if s.image_key == t.image_key and d >= SAME_PICTURE:
                out.append(f"shots {s.index} and {t.index} share image_key {s.image_key} but differ by {d:.1f}")
            if s.image_key != t.image_key and d < CUT_MIN:
                out.append(f"shots {s.index} and {t.index} have different image_keys but look alike ({d:.1f})")
    return out


def container_problems(gt: GroundTruth, m: Media) -> list[str]:
    out = []
    n = len(m.frame_times)
    if (m.width, m.height) != (gt.width, gt.height):
        out.append(f"frames are {m.width}x{m.height}, truth says {gt.width}x{gt.height}")
    if abs(m.rate - gt.fps) > 1e-9:
        out.append(f"stream rate {m.rate}, truth fps {gt.fps}")
    if n != round(gt.duration * gt.fps):
        out.append(f"{n} frames, truth duration {gt.duration} s at {gt.fps} fps implies {gt.duration * gt.fps:g}")
    if np.abs(m.frame_times - np.arange(n) / gt.fps).max() > 1e-6:
        out.append("frame k is not presented at k/fps: frame indices are not times")
    if gt.shots[-1].end != gt.duration:
        out.append(f"last shot ends at {gt.shots[-1].end}, duration is {gt.duration}")
    if abs(m.container_duration - gt.duration) > 1e-3:
        out.append(f"container lasts {m.container_duration} s, truth {gt.duration} s")
    # encode.py pads the last AAC input block to 1024 samples: decoded audio ends within one block
    need = math.ceil(gt.duration * m.sr)
    if not m.audio_pts_contiguous or not need <= len(m.audio) < need + 1024:
        out.append(
            f"audio has {len(m.audio)} samples (contiguous={m.audio_pts_contiguous}), "
            f"duration needs {need}..{need + 1023}"
        )
    if abs(m.audio_stream_duration - gt.duration) > 1024 / m.sr:
        out.append(f"audio stream lasts {m.audio_stream_duration} s, truth {gt.duration} s")
    if m.title != gt.title:
        out.append(f"container title {m.title!r}, truth {gt.title!r}")
    return out


def sentence_problems(gt: GroundTruth, m: Media) -> list[str]:
    """Each sentence is loud, and its speech starts and ends at its listed times (EDGE_TOL):
    the onset is searched for from the previous sentence's end, the offset up to the next one's
    start, so a sentence listed too early, too late, too short or too long is caught."""
    out, env, sents = [], m.envelope, gt.sentences
    for i, s in enumerate(sents):
        x = m.audio[int(s.start * m.sr) : int(s.end * m.sr)]
        rms = float(np.sqrt(np.mean(x**2))) if x.size else 0.0
        if rms < SPEECH_RMS:
            out.append(f"sentence {s.index} ({s.start}-{s.end}): rms {rms:.4f}, no speech")
        lo_t = sents[i - 1].end + EDGE_TOL if i else 0.0
        hi_t = sents[i + 1].start - EDGE_TOL if i + 1 < len(sents) else len(m.audio) / m.sr
        sl = m.blocks(lo_t, hi_t)
        loud = np.flatnonzero(env[sl] > SPEECH_LEVEL) + sl.start
        if not loud.size:
            out.append(f"sentence {s.index}: no speech between {lo_t:.3f} and {hi_t:.3f}")
            continue
        onset, offset = m.t(loud[0]), m.t(loud[-1] + 1)
        if abs(onset - s.start) > EDGE_TOL or abs(offset - s.end) > EDGE_TOL:
            out.append(f"sentence {s.index}: listed {s.start:.3f}-{s.end:.3f}, spoken {onset:.3f}-{offset:.3f}")
    return out


def gap_problems(gt: GroundTruth, m: Media) -> list[str]:
    """Between sentences (and before the first, after the last) the track is quiet."""
    out = []
    edges = [0.0] + [x for s in gt.sentences for x in (s.start, s.end)] + [len(m.audio) / m.sr]
    for a, b in zip(edges[::2], edges[1::2]):
        a0, b0 = a + (EDGE_TOL if a > 0 else 0), b - EDGE_TOL
        if b0 <= a0:
            continue
        peak = float(np.abs(m.audio[int(a0 * m.sr) : int(b0 * m.sr)]).max(initial=0))
        if peak > QUIET_LEVEL:
            out.append(f"gap {a:.3f}-{b:.3f} is not quiet: peak {peak * 32768:.0f} (int16)")
    return out


def silence_problems(gt: GroundTruth, m: Media) -> list[str]:
    """The listed silences are the quiet runs of at least SILENCE_MIN in the audio, both ways
    (runs within 2*EDGE_TOL of SILENCE_MIN may go either way)."""
    env = m.envelope[: m.blocks(0, gt.duration).stop]
    quiet = np.concatenate([[False], env <= SPEECH_LEVEL, [False]])
    starts, ends = np.flatnonzero(~quiet[:-1] & quiet[1:]), np.flatnonzero(quiet[:-1] & ~quiet[1:])
    runs = [(m.t(a), min(m.t(b), gt.duration)) for a, b in zip(starts, ends)]
    out = []
    for a, b in gt.silences:
        if not any(abs(a - x) <= EDGE_TOL and abs(b - y) <= EDGE_TOL for x, y in runs):
            out.append(f"listed silence {a}-{b} is not a quiet run of the audio")
    for x, y in runs:
        if y - x >= SILENCE_MIN + 2 * EDGE_TOL and not any(
            abs(a - x) <= EDGE_TOL and abs(b - y) <= EDGE_TOL for a, b in gt.silences
        ):
            out.append(f"quiet run {x:.3f}-{y:.3f} ({y - x:.2f} s) is not listed as a silence")
    return out


def sync_problems(gt: GroundTruth, m: Media) -> list[str]:
    """A sentence is spoken while its own shot is on screen alone, never over a blend or cut."""
    out = []
    for s in gt.sentences:
        a, b = shot_interior(gt, s.shot_index)
        f0, f1 = int(math.floor(s.start * gt.fps)), int(math.ceil(s.end * gt.fps))
        if f0 < a or f1 > b + 1:
            out.append(f"sentence {s.index} ({s.start}-{s.end}) runs outside frames {a}-{b} of shot {s.shot_index}")
    return out


CHECKS = [
    cut_problems,
    unlisted_change_problems,
    crossfade_problems,
    stability_problems,
    pointer_problems,
    picture_problems,
    container_problems,
    sentence_problems,
    gap_problems,
    silence_problems,
    sync_problems,
]


# --------------------------------------------------------------------------------------------
# fixtures


def _pick_lectures() -> list[int]:
    """Two 30 s lectures that between them show every animation the checks allow for: a pan
    (always), a zoom, and a still histology shot with the pointer; both have cuts and fades.
    Found from the plan alone (no speech or pixels), so a changed planner picks new ones."""
    plans = {i: plan_lecture(i, SEED, DEMO)[3] for i in range(40)}
    zoom = next(i for i, sh in plans.items() if any(s.motion == "zoom" for s in sh))
    still = next(
        i for i, sh in plans.items() if any(s.kind == "histology" and s.motion == "static" and s.pointer for s in sh)
    )
    return sorted({zoom, still})


@pytest.fixture(scope="module")
def lectures(tmp_path_factory) -> list[tuple[GroundTruth, Media]]:
    d = tmp_path_factory.mktemp("truth_media")
    out = []
    for i in _pick_lectures():
        gt = make_video(f"demo_{i:03d}", i, SEED, DEMO, d / "videos", d / "gt", REPO)
        assert GroundTruth.read(d / "gt" / f"demo_{i:03d}.json") == gt  # what is written is what is checked
        out.append((gt, decode(d / "videos" / f"demo_{i:03d}.mp4")))
    shots = [s for gt, _ in out for s in gt.shots]
    assert {"pan", "zoom", "static"} <= {s.motion for s in shots if s.kind == "histology"}
    assert {"cut", "crossfade"} <= {s.transition_in for s in shots}
    return out


def _perturbed(gt: GroundTruth) -> GroundTruth:
    return gt.model_copy(deep=True)


def _move_boundary(gt: GroundTruth, i: int, dt: float) -> GroundTruth:
    g = _perturbed(gt)
    g.shots[i].start = g.shots[i - 1].end = round(g.shots[i].start + dt, 6)
    return g


# --------------------------------------------------------------------------------------------
# the truth agrees with the media


@pytest.mark.parametrize("check", CHECKS, ids=lambda f: f.__name__)
def test_truth_agrees_with_media(lectures, check):
    for gt, m in lectures:
        assert check(gt, m) == [], gt.video_id


# --------------------------------------------------------------------------------------------
# negative controls: each check flags a truth perturbed in memory


def _first(gt, kind=None, transition=None, motion=None, pointer=None):
    return next(
        s.index
        for s in gt.shots[1:]
        if (kind is None or s.kind == kind)
        and (transition is None or s.transition_in == transition)
        and (motion is None or s.motion == motion)
        and (pointer is None or s.pointer == pointer)
    )


def test_controls_shot_boundaries(lectures):
    for gt, m in lectures:
        cut = _first(gt, transition="cut")
        for dt in (0.5, -0.5, 1 / gt.fps):  # half a second, and a single frame
            g = _move_boundary(gt, cut, dt)
            assert cut_problems(g, m) and unlisted_change_problems(g, m), (gt.video_id, dt)
        g = _perturbed(gt)  # a cut the truth forgets: merge two shots
        g.shots[cut - 1].end = g.shots[cut].end
        del g.shots[cut]
        assert unlisted_change_problems(g, m) and stability_problems(g, m)
        fade = _first(gt, transition="crossfade")
        for dt in (0.5, -0.5, 2 / gt.fps):
            assert crossfade_problems(_move_boundary(gt, fade, dt), m), (gt.video_id, dt)
        g = _perturbed(gt)  # a fade listed as a cut, and a cut listed as a fade
        g.shots[fade].transition_in, g.shots[cut].transition_in = "cut", "crossfade"
        assert cut_problems(g, m) and crossfade_problems(g, m)


def test_controls_motion_pointer_and_pictures(lectures):
    gt, m = next((g, m) for g, m in lectures if any(s.motion == "zoom" for s in g.shots))
    for motion in ("pan", "zoom"):  # a moving shot declared still
        g = _perturbed(gt)
        g.shots[_first(gt, motion=motion)].motion = "static"
        assert stability_problems(g, m), motion
    gt, m = next(
        (g, m)
        for g, m in lectures
        if any(s.kind == "histology" and s.motion == "static" and s.pointer for s in g.shots)
    )
    g = _perturbed(gt)
    g.shots[_first(gt, kind="histology", motion="static", pointer=True)].pointer = False
    assert pointer_problems(g, m)
    g = _perturbed(gt)
    g.shots[_first(gt, kind="slide")].pointer = True
    assert pointer_problems(g, m)
    for gt, m in lectures:
        hist = [s for s in gt.shots if s.kind == "histology"]
        rep = next(s for s in hist if any(t.image_key == s.image_key for t in hist if t.index < s.index))
        g = _perturbed(gt)
        g.shots[rep.index].image_key = "v999_unseen"  # a repeat the truth does not know of
        assert picture_problems(g, m)
        g = _perturbed(gt)
        other = next(s for s in hist if s.image_key != rep.image_key)
        g.shots[other.index].image_key = rep.image_key  # a repeat the truth invents
        assert picture_problems(g, m)


def test_controls_container(lectures):
    gt, m = lectures[0]
    for change in ({"duration": gt.duration + 0.5}, {"fps": 25.0}, {"width": gt.width * 2}, {"title": gt.title + "!"}):
        assert container_problems(gt.model_copy(update=change, deep=True), m), change


def test_controls_audio(lectures):
    for gt, m in lectures:
        for dt in (0.5, -0.5):
            for field in ("start", "end"):
                g = _perturbed(gt)
                s = g.sentences[len(g.sentences) // 2]
                setattr(s, field, round(getattr(s, field) + dt, 6))
                assert sentence_problems(g, m), (gt.video_id, field, dt)
        g = _perturbed(gt)  # shifted as a whole, by less than the gap before it
        s = g.sentences[-1]
        s.start, s.end = s.start + 0.1, s.end + 0.1
        assert sentence_problems(g, m)
        g = _perturbed(gt)  # a sentence the truth forgets: its speech falls in a "quiet" gap
        del g.sentences[len(g.sentences) // 2]
        assert gap_problems(g, m)
        g = _perturbed(gt)  # a silence the truth forgets, and one it invents
        g.silences = g.silences[1:]
        assert silence_problems(g, m)
        g = _perturbed(gt)
        g.silences = g.silences + [(g.sentences[0].start, g.sentences[0].start + SILENCE_MIN)]
        assert silence_problems(g, m)
        g = _perturbed(gt)  # a sentence said across the cut or fade out of its shot
        s = g.sentences[0]
        s.end = g.shots[s.shot_index].end + 0.5
        assert sync_problems(g, m)
