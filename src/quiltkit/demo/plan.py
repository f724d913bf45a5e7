"""The shot list of one lecture and the timing of its narration.

Planning comes before any pixel or sample exists: which shots, in which order, with which
transitions; then, once the sentences are synthesised and their exact lengths known, how long
each shot lasts (every boundary on the frame grid) and where each sentence starts (in samples).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from quiltkit.demo import narration
from quiltkit.demo.package_images import PACKAGE_IMAGES

CROSSFADE_SECONDS = 0.75
SPEECH_LEAD = 0.45  # seconds of picture before the first word of a shot
SPEECH_TAIL = 0.35
SPEECH_GAP = 0.3
SILENCE_MIN = 2.0  # gaps at least this long are recorded as silences in the GT


@dataclass(eq=False)  # identity, not field equality: shots are found by `is`
class Shot:
    kind: str
    weight: float  # relative duration before scaling to the video length
    tissue_class: str | None = None
    image_key: str = ""
    source: str = "procedural"
    magnification: str | None = None
    pointer: bool = False
    motion: str = "static"
    transition_in: str = "cut"
    repeat_of: int | None = None  # index of the shot this one repeats
    label: str | None = None  # for package images: "H&E package sample" / "IHC package sample"
    package: str | None = None
    silent: bool = False
    seed: int = 0
    start: float = 0.0
    end: float = 0.0
    lines: list = field(default_factory=list)
    clips: list = field(default_factory=list)  # int16 audio per line
    placed: list = field(default_factory=list)  # (start_sample, audio, Line)


# --------------------------------------------------------------------------------------------
# planning


def plan_shots(rng: np.random.Generator, classes: list[str], seconds: float, video_index: int) -> list[Shot]:
    """The shot list. Short videos (tests) drop the optional slides but keep every feature."""
    n_hist = int(np.clip((seconds - 25) / 12, 2, 8))
    order = list(rng.permutation(classes))
    hist_classes = [order[i % len(order)] for i in range(n_hist)]
    mags = ["low", "medium", "high"]
    shots: list[Shot] = [Shot("title", 4.0)]
    long_video = seconds >= 45
    if long_video:
        shots.append(Shot("slide", 6.5))
    shots.append(Shot("presenter", 5.0))
    hist_shots = []
    for i, c in enumerate(hist_classes):
        s = Shot("histology", 9.0, tissue_class=c, magnification=mags[int(rng.integers(0, 3))])
        s.motion = ["static", "pan", "zoom"][int(rng.integers(0, 3))] if i else "pan"
        s.seed = int(rng.integers(0, 2**31))
        hist_shots.append(s)
    if n_hist >= 3:  # a real package image in the middle of the histology block
        pkg = PACKAGE_IMAGES[video_index % len(PACKAGE_IMAGES)]
        label = f"{pkg.stain} package sample"
        p = Shot("histology", 8.0, tissue_class=pkg.tissue_class, source=f"package:{pkg.name}", magnification=pkg.magnification, motion="pan", label=label, package=pkg.name)
        p.seed = int(rng.integers(0, 2**31))
        hist_shots.insert(len(hist_shots) // 2 + 1, p)
    # pointer in some histology shots (at least one), crossfade into the second histology shot
    for i, s in enumerate(hist_shots):
        s.pointer = bool(i == 0 or rng.random() < 0.35)
    hist_shots[1].transition_in = "crossfade"
    if rng.random() < 0.5:
        hist_shots[0].transition_in = "crossfade"
    chart = Shot("slide", 4.0, silent=True, label="chart")  # the planned silence
    repeat = Shot("histology", 7.0)
    repeat.repeat_of = -1  # resolved below, once positions are final
    body = hist_shots + [chart, repeat]
    if len(hist_shots) >= 3 and rng.random() < 0.5:  # the silent chart sometimes interrupts the histology
        body.remove(chart)
        body.insert(int(rng.integers(2, len(hist_shots))), chart)
    shots += body
    if long_video and rng.random() < 0.5:  # the presenter comes back on camera before the end
        again = Shot("presenter", 4.0)
        again.repeat_of = [i for i, x in enumerate(shots) if x.kind == "presenter"][0]
        shots.append(again)
    if long_video:
        shots.append(Shot("slide", 5.0, label="summary"))
    repeat.repeat_of = shots.index(hist_shots[0])
    for i, s in enumerate(shots):
        if s.repeat_of is not None:
            src = shots[s.repeat_of]
            for f in ("tissue_class", "source", "magnification", "pointer", "motion", "label", "package", "seed"):
                setattr(s, f, getattr(src, f))
    for i, s in enumerate(shots):
        s.image_key = shots[s.repeat_of].image_key if s.repeat_of is not None else f"v{video_index:03d}_s{i:02d}_{s.kind}"
    return shots


MIN_SECONDS = {"title": 2.5, "slide": 4.0, "presenter": 2.5, "histology": 4.0}
SILENT_SHOT_SECONDS = 3.0


def _need(s: Shot, nxt: Shot | None, sr: int) -> float:
    """Seconds a shot needs to hold its sentences with the lead, gaps and tail margins."""
    speech = sum(a.size for a in s.clips) / sr + SPEECH_GAP * max(0, len(s.clips) - 1)
    lead, tail = _margins(s, nxt)
    return max(MIN_SECONDS[s.kind], lead + speech + tail + (0.2 if s.clips else 0.0)) if not s.silent else SILENT_SHOT_SECONDS


def _margins(s: Shot, nxt: Shot | None) -> tuple[float, float]:
    lead = SPEECH_LEAD + (CROSSFADE_SECONDS / 2 if s.transition_in == "crossfade" else 0)
    tail = SPEECH_TAIL + (CROSSFADE_SECONDS / 2 if nxt is not None and nxt.transition_in == "crossfade" else 0)
    return lead, tail


def fit_durations(shots: list[Shot], seconds: float, fps: int, sr: int) -> float:
    """Give each shot the time its narration needs, drop sentences while the video would be too
    long (see drop_rank), then spread the slack by weight, and snap every boundary to the frame
    grid."""
    def needs():
        return [_need(s, shots[i + 1] if i + 1 < len(shots) else None, sr) for i, s in enumerate(shots)]

    def drop_rank(s: Shot):
        """Which shot loses its last sentence first: histology chatter and extra ROI sentences,
        then a slide's second sentence, then histology facts, then the lecturer's one-line framing
        (title, presenter, summary), and negations last (they are rare and are what the text
        side's negation handling is for). A histology shot always keeps its first sentence."""
        last = s.lines[-1]
        if s.kind == "histology":
            rank = 0 if last.role == "other" else 1 if last.role == "roi" and not last.negated_terms else 2 if last.role == "medical" else 4
        else:
            rank = 1.5 if len(s.lines) > 1 else 3
        return (rank, -sum(a.size for a in s.clips))

    while sum(needs()) > seconds:
        cands = [s for s in shots if len(s.lines) > (1 if s.kind == "histology" else 0)]
        if not cands:
            raise ValueError(f"video_seconds={seconds} is too short for the planned shots ({sum(needs()):.1f} s needed)")
        victim = min(cands, key=drop_rank)
        victim.lines.pop()
        victim.clips.pop()
    need = needs()
    slack = seconds - sum(need)
    total_w = sum(s.weight for s in shots)
    n_frames = int(round(seconds * fps))
    t, frame = 0.0, 0
    for s, nd in zip(shots, need):
        s.start = frame / fps
        t += nd + slack * s.weight / total_w
        frame = min(n_frames, int(round(t * fps)))
        s.end = frame / fps
    return n_frames / fps


# --------------------------------------------------------------------------------------------
# narration


def write_lines(rng: np.random.Generator, shots: list[Shot], topic: str, presenter_name: str, classes: list[str]) -> None:
    negation_planned = False
    for s in shots:
        if s.silent:
            continue
        max_lines = 2 if s.repeat_of is not None else int(rng.integers(2, 4))
        if s.kind == "title":
            s.lines = narration.title_lines(rng, topic)
        elif s.kind == "presenter" and s.repeat_of is not None:
            s.lines = narration.presenter_back_lines(rng)
        elif s.kind == "presenter":
            s.lines = narration.presenter_lines(rng, presenter_name)
        elif s.kind == "slide" and s.label == "summary":
            s.lines = narration.summary_lines(rng)
        elif s.kind == "slide":
            s.lines = narration.slide_lines(rng, classes)
        else:
            # one procedural shot per video is sure to say what is *not* there
            force = s.tissue_class is not None and s.repeat_of is None and not negation_planned
            s.lines = narration.histology_lines(rng, s.tissue_class, s.magnification, s.pointer, s.repeat_of is not None, max_lines, s.label, force_negation=force)
            negation_planned = negation_planned or force


def place_speech(shots: list[Shot], sr: int) -> None:
    """Fix each kept sentence's sample offset inside its (frame-snapped) shot."""
    for i, s in enumerate(shots):
        lead, tail = _margins(s, shots[i + 1] if i + 1 < len(shots) else None)
        pos = int(np.ceil((s.start + lead) * sr))
        limit = int(np.floor((s.end - tail) * sr))
        for line, a in zip(s.lines, s.clips):
            if a.size and pos + a.size <= limit:  # frame rounding can cost a few ms: then drop it
                s.placed.append((pos, a, line))
                pos += a.size + int(SPEECH_GAP * sr)
