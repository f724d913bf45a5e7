"""A synthetic lecture in the shapes the frames, text and demo stages produce (contracts only).

Timeline (seconds), with the sentences spoken back to back, ~3 s each:
   0- 8 title slide      8-20 histology A (cut)     20-28 histology B (cut)
  28-36 text slide       36-50 histology C (crossfade in 35.5-36.5)     50-60 presenter
The frames side proposes one image per histology shot, covering only its stable part (0.6 s
trimmed at each end, as a median of stable frames would); the text side transcribes every
sentence with a small timing drift. Sentences on histology shots are medical/ROI with entities.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from quiltkit.contracts import (
    ChunkImage,
    Entity,
    FrameAnalysis,
    GroundTruth,
    GtPair,
    GtSentence,
    GtShot,
    Keyframe,
    Scene,
    Sentence,
    TextAnalysis,
)


def texture(seed: int, size=(64, 48)) -> Image.Image:
    """A distinct picture per seed: random 8x6 colour blocks, upscaled (structure at the low
    frequencies a perceptual hash looks at)."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, size=(6, 8, 3), dtype=np.uint8)
    return Image.fromarray(small).resize(size, Image.Resampling.NEAREST)


SHOTS = [
    (0, 8, "title"),
    (8, 20, "histology"),
    (20, 28, "histology"),
    (28, 36, "slide"),
    (36, 50, "histology"),
    (50, 60, "presenter"),
]
TRIM = 0.6
DRIFT = 0.15


def ground_truth(vid: str = "lec1") -> GroundTruth:
    shots = [
        GtShot(
            index=i,
            start=a,
            end=b,
            kind=k,
            image_key=f"img{i}",
            transition_in="crossfade" if i == 4 else "cut",
            tissue_class="lymphoid tissue" if k == "histology" else None,
        )
        for i, (a, b, k) in enumerate(SHOTS)
    ]
    sentences = []
    t = 0.0
    while t + 3.0 <= 60.0:
        mid = t + 1.5
        shot = next(i for i, (a, b, _) in enumerate(SHOTS) if a <= mid < b)
        histo = SHOTS[shot][2] == "histology"
        text = (
            f"here we see a lymphoid follicle with germinal centers number {len(sentences)}"
            if histo
            else f"welcome back to the lecture about many things part {len(sentences)}"
        )
        negated = histo and len(sentences) % 4 == 0
        if negated:
            text += " and no malignancy"
        sentences.append(
            GtSentence(
                index=len(sentences),
                start=t,
                end=t + 3.0,
                text=text,
                shot_index=shot,
                terms=["lymphoid follicle"] if histo else [],
                role="roi" if histo else "other",
                negated_terms=["malignancy"] if negated else [],
            )
        )
        t += 3.0
    pairs = [
        GtPair(shot_index=i, image_key=f"img{i}", sentence_indices=[s.index for s in sentences if s.shot_index == i])
        for i, (_, _, k) in enumerate(SHOTS)
        if k == "histology"
    ]
    return GroundTruth(
        video_id=vid,
        title="t",
        duration=60.0,
        fps=24.0,
        width=64,
        height=48,
        shots=shots,
        sentences=sentences,
        expected_pairs=pairs,
    )


def frame_analysis(vid: str = "lec1", root: Path | None = None, write_images: bool = False) -> FrameAnalysis:
    images, keyframes, scenes = [], [], []
    for i, (a, b, k) in enumerate(SHOTS):
        scenes.append(Scene(index=i, start=a, end=b))
        histo = k == "histology"
        keyframes.append(
            Keyframe(index=i, time=a, scene_index=i, histology_prob=0.95 if histo else 0.05, is_histology=histo)
        )
        if histo:
            image_id = f"{vid}_{len(images)}"
            path = f"outputs/frames/{vid}/{image_id}.png"
            if write_images and root is not None:
                (root / path).parent.mkdir(parents=True, exist_ok=True)
                texture(len(images) + 100 * sum(map(ord, vid)), (64, 48)).save(root / path)
            images.append(
                ChunkImage(
                    image_id=image_id,
                    path=path,
                    start=a + TRIM,
                    end=b - TRIM,
                    scene_index=i,
                    method="median",
                    histology_prob=0.95,
                    magnification="medium",
                    width=64,
                    height=48,
                )
            )
    return FrameAnalysis(
        video_id=vid, duration=60.0, fps=24.0, width=64, height=48, scenes=scenes, keyframes=keyframes, images=images
    )


def text_analysis(vid: str = "lec1") -> TextAnalysis:
    gt = ground_truth(vid)
    out = []
    for g in gt.sentences:
        histo = g.role == "roi"
        ents = (
            [
                Entity(
                    text="lymphoid follicles",
                    label="lymphoid follicle",
                    concept_id="C0024296",
                    subpathology="hematopathology",
                )
            ]
            if histo
            else []
        )
        if g.negated_terms:
            ents.append(
                Entity(
                    text="malignancy", label="malignancy", concept_id="C0006826", negated=True, subpathology="oncology"
                )
            )
        out.append(
            Sentence(
                index=g.index,
                start=g.start + DRIFT,
                end=g.end + DRIFT,
                noisy_text=g.text.replace("germinal", "germinel"),
                corrected_text=g.text,
                role=g.role,
                entities=ents,
            )
        )
    return TextAnalysis(video_id=vid, sentences=out, subpathology=["hematopathology"])
