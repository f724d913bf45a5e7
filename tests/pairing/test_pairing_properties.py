"""Property tests of the pairing rules over random lectures (quiltkit.pairing).

A lecture is drawn as shots (histology or not) with keyframes at the cuts (or none recorded),
stable-interval images inside the shots (some misjudged by the classifier), and sentences at
random times. The Quilt rule's pairs must come from its chunks: every chunk lies inside a
histology stretch and lasts at most pair_chunk_time, every pair's image overlaps a chunk and its
sentence was spoken in that chunk's text window, every such (image, sentence) is paired, and none
twice. The sentence aligner's pairs are histology images with sentences spoken over their scene.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import event, given
from hypothesis import strategies as st

from quiltkit.config import PairsParams
from quiltkit.contracts import ChunkImage, Entity, FrameAnalysis, Keyframe, Scene, Sentence, TextAnalysis
from quiltkit.pairing import pair_video
from quiltkit.pairing.pace import video_chunk_time
from quiltkit.pairing.quilt_rule import chunks, histology_events
from quiltkit.pairing.records import unusable_reason
from tests.properties import property_settings

SETTINGS = property_settings(60)
EPS = 1e-9
WORDS = (
    "gland crypt nucleus stroma mitosis follicle lumen villus mucosa fat vessel fibrosis necrosis "
    "lymphocyte eosin hematoxylin cell border margin tumor invasion field power low high look here "
    "see note this that area zone pattern sheet cord nest papilla duct lobule acinus"
).split()


def times(draw, lo: float, hi: float, n: int) -> list[float]:
    """n sorted times in [lo, hi], on a 0.05 s grid now and then so that events coincide."""
    grid = st.integers(0, max(int((hi - lo) / 0.05), 0)).map(lambda k: round(lo + 0.05 * k, 6))
    t = st.one_of(st.floats(lo, hi, allow_nan=False), grid.map(lambda x: min(max(x, lo), hi)))
    return sorted(draw(st.lists(t, min_size=n, max_size=n)))


@st.composite
def lectures(draw):
    vid = "lec"
    duration = draw(st.floats(10.0, 80.0, allow_nan=False))
    cuts = sorted(set(times(draw, 0.5, duration - 0.5, draw(st.integers(0, 8)))))
    bounds = [0.0] + cuts + [duration]
    thr = draw(st.sampled_from([0.5, 0.3, 0.8]))
    with_keyframes = draw(st.integers(0, 3)) > 0
    scenes, keyframes, images = [], [], []
    for i, (a, b) in enumerate(zip(bounds, bounds[1:])):
        histo = draw(st.integers(0, 4)) < 3
        scenes.append(Scene(index=i, start=a, end=b))
        flip = draw(st.integers(0, 9)) == 0  # the keyframe classifier disagrees with the images
        keyframes.append(
            Keyframe(
                index=i, time=a, scene_index=i, histology_prob=0.9 if histo != flip else 0.1, is_histology=histo != flip
            )
        )
        # disjoint stable intervals inside the shot; a point image is a keyframe fallback
        pts = times(draw, a, b, 2 * draw(st.integers(0, 3)))
        for j in range(0, len(pts), 2):
            s0, s1 = pts[j], pts[j + 1]
            if j and s0 <= pts[j - 1]:
                continue
            point = draw(st.integers(0, 5)) == 0
            misjudged = draw(st.integers(0, 7)) == 0
            prob = draw(st.floats(0.5, 1.0) if histo != misjudged else st.floats(0.0, 0.49))
            images.append(
                ChunkImage(
                    image_id=f"{vid}_{len(images)}",
                    path=f"outputs/frames/{vid}/{vid}_{len(images)}.png",
                    start=s0,
                    end=s0 if point else s1,
                    scene_index=i,
                    method="keyframe" if point else "median",
                    histology_prob=prob,
                    magnification=draw(st.sampled_from([None, "low", "medium", "high"])),
                    width=64,
                    height=48,
                )
            )
    frames = FrameAnalysis(
        video_id=vid,
        duration=duration,
        fps=24.0,
        width=64,
        height=48,
        scenes=scenes if draw(st.integers(0, 4)) else [],
        keyframes=keyframes if with_keyframes else [],
        images=images,
    )
    sentences = []
    for k in range(draw(st.integers(0, 20))):
        start = draw(st.floats(0.0, duration, allow_nan=False))
        dur = draw(st.one_of(st.floats(0.0, 8.0), st.floats(1.0, 4.0)))
        n_words = draw(st.one_of(st.integers(0, 12), st.integers(4, 10)))
        words = draw(st.lists(st.sampled_from(WORDS), min_size=n_words, max_size=n_words, unique=True))
        if draw(st.integers(0, 9)) == 0:
            words = words[:2] * 3  # an ASR loop
        text = " ".join(words)
        backwards = draw(st.integers(0, 14)) == 0
        ents = (
            [Entity(text="gland", label="gland", concept_id="C0017977", negated=draw(st.booleans()))]
            if draw(st.booleans())
            else []
        )
        sentences.append(
            Sentence(
                index=100 + 7 * k,
                start=start + dur if backwards else start,
                end=start if backwards else start + dur,
                noisy_text=text,
                corrected_text=text if draw(st.booleans()) else "",
                role=draw(st.sampled_from(["roi", "medical", "other"])),
                entities=ents,
            )
        )
    text = TextAnalysis(video_id=vid, sentences=draw(st.permutations(sentences)), subpathology=["gastrointestinal"])
    params = PairsParams(
        pair_chunk_time_mode=draw(st.sampled_from(["fixed", "per_video"])),
        pair_chunk_time=draw(st.sampled_from([2.0, 5.0, 10.0, 30.0])),
        pair_chunk_time_min=2.0,
        pair_chunk_time_max=draw(st.sampled_from([10.0, 30.0])),
        histology_threshold=thr,
        min_words=3,
    )
    return frames, text, params


def histology_runs(frames: FrameAnalysis, thr: float) -> list[tuple[float, float]]:
    """The histology stretches as the rule's docstring defines them: a histology keyframe's scene
    lasts until the next keyframe (the last until the end); without keyframes, histology images
    less than half a second apart make one stretch."""
    runs: list[list[float]] = []
    if frames.keyframes:
        kfs = sorted(frames.keyframes, key=lambda k: k.time)
        for i, k in enumerate(kfs):
            end = kfs[i + 1].time if i + 1 < len(kfs) else max(frames.duration, k.time)
            if k.is_histology:
                if runs and abs(runs[-1][1] - k.time) <= EPS:
                    runs[-1][1] = end
                else:
                    runs.append([k.time, end])
        return [tuple(r) for r in runs]
    for im in sorted((im for im in frames.images if im.histology_prob >= thr), key=lambda im: im.start):
        if runs and im.start - runs[-1][1] <= 0.5:
            runs[-1][1] = max(runs[-1][1], im.end)
        else:
            runs.append([im.start, im.end])
    return [tuple(r) for r in runs]


def on(im: ChunkImage, a: float, b: float) -> bool:
    """The image is shown during [a, b]: it overlaps it, or (a point image) falls in it."""
    if im.end <= im.start:
        return a <= im.start < b or a == b == im.start
    return min(im.end, b) - max(im.start, a) > 0


def mid(s: Sentence) -> float:
    return (s.start + s.end) / 2


def run_both(lecture):
    frames, text, params = lecture
    with tempfile.TemporaryDirectory() as d:
        files, info = pair_video(frames, text, params, Path(d), keywords_per_chunk=0)
    return files, info


def check_records(pf, frames: FrameAnalysis, text: TextAnalysis, thr: float) -> None:
    ims = {im.image_id: im for im in frames.images}
    sents = {s.index: s for s in text.sentences}
    keys = [(p.image_id, tuple(p.sentence_indices)) for p in pf.pairs]
    assert len(keys) == len(set(keys)), "an (image, sentence) pair twice"
    assert len({p.pair_id for p in pf.pairs}) == len(pf.pairs)
    assert [(p.start, p.image_id) for p in pf.pairs] == sorted((p.start, p.image_id) for p in pf.pairs)
    for p in pf.pairs:
        im, (idx,) = ims[p.image_id], p.sentence_indices
        s = sents[idx]
        assert im.histology_prob >= thr, "a non-histology image paired"
        assert unusable_reason(s, 3) is None, "an unusable sentence paired"
        assert (p.start, p.end, p.video_id, p.image_path) == (s.start, s.end, frames.video_id, im.path)
        assert p.caption == (s.corrected_text or s.noisy_text).strip()


@SETTINGS
@given(lectures())
def test_quilt_rule_pairs_come_from_chunks_inside_histology(lecture):
    frames, text, params = lecture
    thr = params.histology_threshold
    files, info = run_both(lecture)
    pf = files["quilt"]
    check_records(pf, frames, text, thr)
    T = video_chunk_time(frames, params)
    assert params.pair_chunk_time_min - EPS <= T <= params.pair_chunk_time_max + EPS or T == params.pair_chunk_time
    runs = histology_runs(frames, thr)
    cs = chunks(histology_events(frames, thr), T, frames.duration)
    # chunks: in order, disjoint, no longer than T, each inside one histology stretch, with a text
    # window reaching back at most T and never into the previous chunk's
    prev_end = 0.0
    for c in cs:
        assert c.start >= prev_end - EPS and c.start <= c.end
        assert c.end - c.start <= T + 1e-6, (c, T)
        assert any(a - EPS <= c.start and c.end <= b + EPS for a, b in runs), (c, runs)
        assert max(prev_end, c.start - T) - 1e-6 <= c.text_start <= c.start + EPS, (c, prev_end, T)
        prev_end = c.end
    # pairs: exactly the (image, sentence) of an image shown in a chunk and a sentence whose
    # midpoint falls in that chunk's text window
    usable = [s for s in text.sentences if unusable_reason(s, params.min_words) is None]
    hist = [im for im in frames.images if im.histology_prob >= thr]
    want = {
        (im.image_id, s.index)
        for c in cs
        for im in hist
        if on(im, c.start, c.end)
        for s in usable
        if c.text_start <= mid(s) <= c.end
    }
    got = {(p.image_id, p.sentence_indices[0]) for p in pf.pairs}
    assert got == want
    # and, independently of the chunks: the image is shown during a histology stretch and the
    # sentence was said in it or at most T before it
    ims = {im.image_id: im for im in frames.images}
    sents = {s.index: s for s in text.sentences}
    for image_id, idx in got:
        im, s = ims[image_id], sents[idx]
        assert any(on(im, a, b) and a - T - 1e-6 <= mid(s) <= b + EPS for a, b in runs), (im, s, runs)
    event(f"quilt pairs: {min(len(got), 3)}{'+' if len(got) >= 3 else ''}")


@SETTINGS
@given(lectures())
def test_sentence_aligner_pairs_histology_images_with_sentences_said_over_their_scene(lecture):
    frames, text, params = lecture
    thr = params.histology_threshold
    files, _ = run_both(lecture)
    pf = files["sentence"]
    check_records(pf, frames, text, thr)
    ims = {im.image_id: im for im in frames.images}
    sents = {s.index: s for s in text.sentences}
    scenes = {sc.index: (sc.start, sc.end) for sc in frames.scenes}
    tol = params.crossfade_tolerance
    for p in pf.pairs:
        im, s = ims[p.image_id], sents[p.sentence_indices[0]]
        assert params.min_score - 1e-4 <= p.score <= 1.0 + 1e-9
        mates = [m for m in frames.images if m.scene_index == im.scene_index and m.histology_prob >= thr]
        lo, hi = min(m.start for m in mates) - tol, max(m.end for m in mates) + tol
        if im.scene_index in scenes:  # never widened onto another scene's screen time
            s0, s1 = scenes[im.scene_index]
            lo, hi = max(lo, min(s0, lo + tol)), min(hi, max(s1, hi - tol))
        assert max(s.start, lo) <= min(s.end, hi) + EPS, (s, im, lo, hi)
    event(f"sentence pairs: {min(len(pf.pairs), 3)}{'+' if len(pf.pairs) >= 3 else ''}")


@SETTINGS
@given(lectures())
def test_pairing_is_deterministic_and_independent_of_input_order(lecture):
    frames, text, params = lecture
    files, info = run_both(lecture)
    shuffled = (
        frames.model_copy(update={"images": frames.images[::-1], "keyframes": frames.keyframes[::-1]}),
        text.model_copy(update={"sentences": text.sentences[::-1]}),
        params,
    )
    files2, info2 = run_both(shuffled)
    for name in files:
        assert [p.model_dump() for p in files[name].pairs] == [p.model_dump() for p in files2[name].pairs], name
    assert info == info2
