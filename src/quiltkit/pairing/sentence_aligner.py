"""Our aligner: each sentence goes to what is on screen while it is spoken.

The Quilt rule pairs every image of a chunk with every sentence of a time window that reaches
back pair_chunk_time seconds, so on a fast lecture the previous slide's narration leaks into the
next slide's captions. Sentence boundaries are a much finer clock.

The unit a sentence is assigned to is a *scene* (one slide on screen), not a single image: a
pan or a zoom makes the frames stage propose an image every second or so, and a ten-second
sentence describing the slide would overlap each of them by only a tenth. For each sentence:

1. Time overlap decides the scene: the share of the sentence inside the span of the scene's
   images. Spans are widened by `crossfade_tolerance` seconds, never into a neighbouring span
   nor out of the scene: the frames stage keeps only the *stable* part of a shot, so a sentence
   spoken during a crossfade or the settle-in after a cut touches no span at all, although the
   viewer plainly sees that slide. Overlap earned only in the widened margin counts 0.9x.
   Scenes with nothing to pair (title and text slides, the presenter) compete too: a sentence
   lying mostly on one of them describes that, not the histology next door, and stays unpaired.
2. Content agreement. A sentence naming medical concepts (non-negated entities) is a caption
   for a histology image; its weight follows the image's histology probability. A sentence with
   no medical content is kept but weighs less. A spoken zoom level ("at high power") that
   contradicts the frame's estimated magnification weighs a little less too.
3. Role. ROI sentences (what to look at) outrank medical ones, which outrank chatter: at equal
   overlap an ROI sentence survives `min_score` where small talk does not.

Ties (a sentence split evenly across a cut) go to the scene holding the sentence's midpoint,
then the nearer span centre. A sentence also goes to any other scene holding at least
`second_scene_share` of it *and* `second_scene_seconds` (time enough to say a sentence there):
the ASR often runs two spoken sentences into one, and a merged sentence that straddles a cut
describes both slides, whereas a single sentence spilling a second over a cut does not. \
Within a chosen scene the sentence is paired with every image it
was spoken over (holding >= 20% of the sentence, or covering >= half of the image), or, if it
fell between them, with the nearest one.
"""

from __future__ import annotations

from dataclasses import dataclass

from quiltkit.config import PairsParams
from quiltkit.contracts import ChunkImage, FrameAnalysis, PairRecord, Sentence
from quiltkit.pairing.magnification import spoken_magnification

ROLE_WEIGHT = {"roi": 1.0, "medical": 0.85, "other": 0.6}
NO_CONTENT_WEIGHT = 0.8
MARGIN_CREDIT = 0.9
IMAGE_SENTENCE_SHARE = 0.2
IMAGE_COVERED_SHARE = 0.5

MAGNIFICATION_MISMATCH = 0.85


def content_weight(s: Sentence, im: ChunkImage) -> float:
    """How well what the sentence says fits the image: medical concepts want a confident
    histology image; a spoken zoom level ("at high power") wants a frame of that magnification
    (mildly: the frame's magnification is itself an estimate)."""
    w = (
        0.5 + 0.5 * float(im.histology_prob)
        if any(e.concept_id and not e.negated for e in s.entities)
        else NO_CONTENT_WEIGHT
    )
    said = spoken_magnification(s.corrected_text or s.noisy_text)
    if said and im.magnification and said != im.magnification:
        w *= MAGNIFICATION_MISMATCH
    return w


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


@dataclass
class SceneSpan:
    scene_index: int
    start: float  # first image start
    end: float  # last image end
    lo: float = 0.0  # widened
    hi: float = 0.0
    images: tuple[ChunkImage, ...] = ()


def scene_spans(images: list[ChunkImage], tol: float, scenes: dict[int, tuple[float, float]]) -> list[SceneSpan]:
    by_scene: dict[int, list[ChunkImage]] = {}
    for im in images:
        by_scene.setdefault(im.scene_index, []).append(im)
    spans = sorted(
        (
            SceneSpan(
                k,
                min(i.start for i in v),
                max(i.end for i in v),
                images=tuple(sorted(v, key=lambda i: (i.start, i.image_id))),
            )
            for k, v in by_scene.items()
        ),
        key=lambda s: (s.start, s.end),
    )
    for n, sp in enumerate(spans):
        lo, hi = sp.start - tol, sp.end + tol
        if n > 0 and spans[n - 1].end <= sp.start:
            lo = max(lo, spans[n - 1].end)
        if n + 1 < len(spans) and spans[n + 1].start >= sp.end:
            hi = min(hi, spans[n + 1].start)
        if sp.scene_index in scenes:  # never widen onto another scene's screen time
            s0, s1 = scenes[sp.scene_index]
            lo, hi = max(lo, min(s0, sp.start)), min(hi, max(s1, sp.end))
        sp.lo, sp.hi = lo, hi
    return spans


def _share(s: Sentence, a: float, b: float, dur: float) -> float:
    if b <= a:  # a point (a bare keyframe): is it spoken over?
        return 1.0 if s.start <= a <= s.end else 0.0
    return _overlap(s.start, s.end, a, b) / dur


def images_spoken_over(s: Sentence, sp: SceneSpan) -> list[ChunkImage]:
    dur = max(s.end - s.start, 0.05)
    hits = []
    for im in sp.images:
        ov = _overlap(s.start, s.end, im.start, im.end)
        im_dur = im.end - im.start
        if _share(s, im.start, im.end, dur) >= IMAGE_SENTENCE_SHARE or (
            im_dur > 0 and ov / im_dur >= IMAGE_COVERED_SHARE
        ):
            hits.append(im)
    if hits:
        return hits
    mid = (s.start + s.end) / 2
    return [min(sp.images, key=lambda im: (abs(mid - (im.start + im.end) / 2), im.image_id))]


def sentence_pairs(
    video_id: str, frames: FrameAnalysis, sentences: list[Sentence], params: PairsParams, make
) -> list[PairRecord]:
    images = [im for im in frames.images if im.histology_prob >= params.histology_threshold]
    if not images:
        return []
    scenes = {sc.index: (sc.start, sc.end) for sc in frames.scenes}
    spans = scene_spans(images, params.crossfade_tolerance, scenes)
    paired = {sp.scene_index for sp in spans}
    blank = [(a, b) for i, (a, b) in scenes.items() if i not in paired]
    pairs: list[PairRecord] = []
    for s in sentences:
        dur = max(s.end - s.start, 0.05)
        mid = (s.start + s.end) / 2
        role = ROLE_WEIGHT.get(s.role, 0.6)
        blank_share = max((_overlap(s.start, s.end, a, b) / dur for a, b in blank), default=0.0)
        cands = []
        for sp in spans:
            eff = max(_share(s, sp.start, sp.end, dur), MARGIN_CREDIT * _share(s, sp.lo, sp.hi, dur))
            if eff <= 0:
                continue
            score = eff * role * max(content_weight(s, im) for im in sp.images)
            cands.append((round(score, 6), sp.lo <= mid <= sp.hi, -abs(mid - (sp.start + sp.end) / 2), eff, sp))
        if not cands:
            continue
        cands.sort(key=lambda c: c[:3], reverse=True)
        score, _, _, eff, best = cands[0]
        if eff < params.min_overlap or score < params.min_score or blank_share > eff:
            continue
        chosen = [(best, eff)] + [
            (c[4], c[3])
            for c in cands[1:]
            if c[3] >= params.second_scene_share
            and c[3] * dur >= params.second_scene_seconds
            and c[0] >= params.min_score
        ]
        for sp, sp_eff in chosen:
            for im in images_spoken_over(s, sp):
                im_score = sp_eff * role * content_weight(s, im)
                if im_score >= params.min_score:
                    pairs.append(make(im, s, im_score))
    return sorted(pairs, key=lambda p: (p.start, p.image_id))
