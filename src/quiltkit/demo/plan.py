"""The shot list of one lecture and the timing of its narration.

Planning comes before any pixel or sample exists: which shots, in which order, with which
transitions; then, once the sentences are synthesised and their exact lengths known, how long
each shot lasts (every boundary on the frame grid) and where each sentence starts (in samples).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from quiltkit.demo import narration, styles
from quiltkit.demo.package_images import PACKAGE_IMAGES, PackageImage

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
    style: str = ""  # a name in demo/data/styles.yaml: what the picture looks like
    seed: int = 0
    start: float = 0.0
    end: float = 0.0
    lines: list = field(default_factory=list)
    clips: list = field(default_factory=list)  # int16 audio per line
    placed: list = field(default_factory=list)  # (start_sample, audio, Line)


# --------------------------------------------------------------------------------------------
# planning


def package_images(split: str) -> list[PackageImage]:
    """The package images a corpus may show: those its split's package styles draw on."""
    allowed = {src for st in styles.styles(split, role="package") for src in st.sources}
    return [p for p in PACKAGE_IMAGES if f"package:{p.name}" in allowed]


def plan_shots(
    rng: np.random.Generator,
    classes: list[str],
    seconds: float,
    video_index: int,
    split: str = "train",
    extra_shots: int = 0,
    style_rng: np.random.Generator | None = None,
) -> list[Shot]:
    """The shot list. Short videos (tests) drop the optional slides but keep every feature.

    `split` says which styles (styles.yaml) may paint the shots; the styles and the `extra_shots`
    (documents, screens, photos, gross specimens between the histology) are drawn from
    `style_rng`, a stream of their own, so adding variety does not move the plan's other draws."""
    style_rng = style_rng if style_rng is not None else np.random.default_rng([video_index, 3])
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
    pkgs = package_images(split)
    if n_hist >= 3 and pkgs:  # a real package image in the middle of the histology block
        pkg = pkgs[video_index % len(pkgs)]
        label = f"{pkg.stain} package sample"
        p = Shot(
            "histology",
            8.0,
            tissue_class=pkg.tissue_class,
            source=f"package:{pkg.name}",
            magnification=pkg.magnification,
            motion="pan",
            label=label,
            package=pkg.name,
        )
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
    for _ in range(extra_shots if long_video else 0):  # optional, like the slides; never first
        body.insert(int(style_rng.integers(1, len(body))), Shot("slide", 5.0, label="extra"))
    shots += body
    if long_video and rng.random() < 0.5:  # the presenter comes back on camera before the end
        again = Shot("presenter", 4.0)
        again.repeat_of = [i for i, x in enumerate(shots) if x.kind == "presenter"][0]
        shots.append(again)
    if long_video:
        shots.append(Shot("slide", 5.0, label="summary"))
    repeat.repeat_of = shots.index(hist_shots[0])
    for s in shots:
        if s.repeat_of is not None:
            src = shots[s.repeat_of]
            for f in ("tissue_class", "source", "magnification", "pointer", "motion", "label", "package", "seed"):
                setattr(s, f, getattr(src, f))
    for i, s in enumerate(shots):
        s.image_key = (
            shots[s.repeat_of].image_key if s.repeat_of is not None else f"v{video_index:03d}_s{i:02d}_{s.kind}"
        )
    assign_styles(shots, split, video_index)
    return shots


def shot_role(s: Shot) -> str:
    if s.kind == "histology":
        return "package" if s.package else "histology"
    if s.kind == "slide" and s.label in ("chart", "extra"):
        return s.label
    return s.kind


def assign_styles(shots: list[Shot], split: str, video_index: int) -> None:
    """Give every shot a style of its role from the split, in turn rather than at random, so a
    corpus of a few videos still shows every style. Plain procedural H&E, where the split has it,
    takes every other histology shot: it is what most lectures show."""
    turn: dict[str, int] = {}
    per_video: dict[str, int] = {}  # shots of each role in this lecture: video v continues where v-1 stopped
    for s in shots:
        if s.repeat_of is None:
            per_video[shot_role(s)] = per_video.get(shot_role(s), 0) + 1
    for s in shots:
        if s.repeat_of is not None:
            s.style = shots[s.repeat_of].style
            continue
        role = shot_role(s)
        if role == "package":
            s.style = next(
                st.name for st in styles.styles(split, role="package") if f"package:{s.package}" in st.sources
            )
            continue
        names = [st.name for st in styles.styles(split, role=role)]
        if not names:
            raise ValueError(f"styles.yaml has no {split} style for {role} shots")
        if role == "histology" and "he" in names:
            rest = [n for n in names if n != "he"]
            names = [x for r in rest for x in ("he", r)]
        k = turn.get(role, 0)
        turn[role] = k + 1
        s.style = names[(video_index * per_video[role] + k) % len(names)]


MIN_SECONDS = {"title": 2.5, "slide": 4.0, "presenter": 2.5, "histology": 4.0}
SILENT_SHOT_SECONDS = 3.0


def _need(s: Shot, nxt: Shot | None, sr: int) -> float:
    """Seconds a shot needs to hold its sentences with the lead, gaps and tail margins."""
    speech = sum(a.size for a in s.clips) / sr + SPEECH_GAP * max(0, len(s.clips) - 1)
    lead, tail = _margins(s, nxt)
    return (
        max(MIN_SECONDS[s.kind], lead + speech + tail + (0.2 if s.clips else 0.0))
        if not s.silent
        else SILENT_SHOT_SECONDS
    )


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
            rank = (
                0
                if last.role == "other"
                else 1
                if last.role == "roi" and not last.negated_terms
                else 2
                if last.role == "medical"
                else 4
            )
        else:
            rank = 1.5 if len(s.lines) > 1 else 3
        return (rank, -sum(a.size for a in s.clips))

    while sum(needs()) > seconds:
        cands = [s for s in shots if len(s.lines) > (1 if s.kind == "histology" else 0)]
        if not cands:
            raise ValueError(
                f"video_seconds={seconds} is too short for the planned shots ({sum(needs()):.1f} s needed)"
            )
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


def write_lines(
    rng: np.random.Generator, shots: list[Shot], topic: str, presenter_name: str, classes: list[str]
) -> None:
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
            s.lines = narration.histology_lines(
                rng,
                s.tissue_class,
                s.magnification,
                s.pointer,
                s.repeat_of is not None,
                max_lines,
                s.label,
                force_negation=force,
            )
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
