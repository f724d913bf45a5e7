"""One synthetic lecture video: plan the shots, speak the narration, render, encode, record GT.

The order of work is what makes the ground truth exact:

1. plan the shot list (kinds, classes, motion, transitions) and snap every boundary to the frame
   grid, so "the cut is at t" means "frame round(t*fps) is the first frame of the new shot";
2. write candidate sentences per shot and synthesise them all (sample counts give exact
   durations), then keep the sentences that fit inside their shot with a margin, so every
   sentence is spoken while its picture is on screen, never across a cut;
3. render each frame from a precomputed picture per shot (a texture larger than the frame, cropped
   with one cv2.warpAffine for pans and zooms), blend frames across a crossfade, draw the pointer;
4. encode H.264 + AAC with one thread (x264 output is then byte-identical run to run).

Steps 1-2 live in plan.py, 3 in render.py, 4 in encode.py; this module strings them together
and writes the GroundTruth.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from quiltkit.contracts import GroundTruth, GtPair, GtSentence, GtShot
from quiltkit.demo.encode import encode
from quiltkit.demo.plan import SILENCE_MIN, Shot, fit_durations, place_speech, plan_shots, write_lines
from quiltkit.demo.pointer_truth import pointer_truth
from quiltkit.demo.render import FrameSource, View, make_view, shot_picture
from quiltkit.demo.styles import style
from quiltkit.io import read_yaml_tables, string_list

# Who lectures and on what is data: data/lecture.yaml, read once here.
LECTURE_FILE = Path(__file__).parent / "data" / "lecture.yaml"


def _load_tables(path: Path) -> dict[str, list[str]]:
    """presenter_names and topics from data/lecture.yaml, each a list of non-empty strings."""
    doc = read_yaml_tables(path, ("presenter_names", "topics"), "the lecture tables")
    return {key: string_list(path, key, doc[key]) for key in ("presenter_names", "topics")}


_TABLES = _load_tables(LECTURE_FILE)
PRESENTER_NAMES: list[str] = _TABLES["presenter_names"]
TOPICS: list[str] = _TABLES["topics"]


def speak(texts: list[str], rate_wpm: int, pitch: int, voice: str = "en-us") -> tuple[list[np.ndarray], int]:
    from quiltkit.demo.tts import synthesize_fresh

    return synthesize_fresh(texts, rate_wpm, pitch, voice=voice)


# --------------------------------------------------------------------------------------------
# one video, end to end


def plan_lecture(index: int, seed: int, demo):
    """The random draws that decide a lecture's content, in their fixed order: topic, title, shot
    plan, presenter, narration. Returns the generator too, since make_video keeps drawing from it
    (voice, pointer paths); anything replaying a lecture (the median benchmark) calls this."""
    rng = np.random.default_rng([seed, index, 1])
    classes = list(demo.tissue_classes)
    topic = TOPICS[int(rng.integers(0, len(TOPICS)))]
    title = f"{topic[:1].upper() + topic[1:]}: lecture {index + 1}"
    shots = plan_shots(
        rng,
        classes,
        demo.video_seconds,
        index,
        split=demo.style_split,
        extra_shots=demo.extra_shots,
        style_rng=np.random.default_rng([seed, index, 3]),
    )
    presenter_name = PRESENTER_NAMES[int(rng.integers(0, len(PRESENTER_NAMES)))]
    write_lines(rng, shots, topic, presenter_name, classes)
    return rng, topic, title, shots, presenter_name


def make_video(
    video_id: str, index: int, seed: int, demo, out_videos: Path, out_gt: Path, raw_root: Path
) -> GroundTruth:
    rng, topic, title, shots, presenter_name = plan_lecture(index, seed, demo)
    w, h, fps = demo.width, demo.height, demo.fps
    classes = list(demo.tissue_classes)
    texts = [ln.text for s in shots for ln in s.lines]
    rate_wpm, pitch = int(rng.integers(165, 195)), int(rng.integers(35, 65))
    pointer_kind = demo.pointers[index % len(demo.pointers)]  # chosen like the voice: no draw from rng
    audio_clips, sr = speak(texts, rate_wpm, pitch, demo.voices[index % len(demo.voices)])
    it = iter(audio_clips)
    for s in shots:
        s.clips = [next(it) for _ in s.lines]
    duration = fit_durations(shots, demo.video_seconds, fps, sr)
    place_speech(shots, sr)

    n_frames = int(round(duration * fps))
    track = np.zeros(int(np.ceil(duration * sr)), np.int16)
    for s in shots:
        for pos, a, _ in s.placed:
            track[pos : pos + a.size] = a

    pics: dict[str, np.ndarray] = {}
    views: list[View] = []
    for s in shots:
        if s.image_key not in pics:
            pics[s.image_key] = shot_picture(
                s, w, h, np.random.default_rng([seed, index, 2, len(pics)]), title, classes, raw_root
            )
        views.append(make_view(s, pics[s.image_key], w, h, rng))
    encode(
        out_videos / f"{video_id}.mp4",
        FrameSource(shots, views, w, h, fps, pointer=pointer_kind),
        n_frames,
        track,
        sr,
        w,
        h,
        fps,
        demo.crf,
        title,
    )

    gt = ground_truth(video_id, title, duration, demo, shots, sr)
    # where the renderer drew the pointer, frame by frame: recomputed from the plan, so nothing
    # about the video changes (quiltkit.demo.pointer_truth)
    gt.pointer = pointer_truth(shots, views, w, h, fps, n_frames)
    gt.pointer_kind = pointer_kind
    gt.write(out_gt / f"{video_id}.json")
    return gt


def ground_truth(video_id: str, title: str, duration: float, demo, shots: list[Shot], sr: int) -> GroundTruth:
    gshots, sents, pairs = [], [], []
    for i, s in enumerate(shots):
        gshots.append(
            GtShot(
                index=i,
                start=round(s.start, 6),
                end=round(s.end, 6),
                kind=s.kind,
                transition_in="none" if i == 0 else s.transition_in,
                tissue_class=s.tissue_class,
                image_key=s.image_key,
                source=s.source,
                magnification=s.magnification if s.kind == "histology" else None,
                pointer=s.pointer,
                motion=s.motion,
                label=s.label if s.kind == "histology" else None,
                style=s.style,
                style_group=style(s.style).group,
            )
        )
        idx = []
        for pos, a, line in s.placed:
            idx.append(len(sents))
            sents.append(
                GtSentence(
                    index=len(sents),
                    start=round(pos / sr, 6),
                    end=round((pos + a.size) / sr, 6),
                    text=line.text,
                    shot_index=i,
                    terms=line.terms,
                    negated_terms=line.negated_terms,
                    role=line.role,
                )
            )
        if s.kind == "histology":
            pairs.append(GtPair(shot_index=i, image_key=s.image_key, sentence_indices=idx))
    silences = []
    prev = 0.0
    for st in sents + [None]:
        nxt = duration if st is None else st.start
        if nxt - prev >= SILENCE_MIN:
            silences.append((round(prev, 6), round(nxt, 6)))
        prev = prev if st is None else st.end
    return GroundTruth(
        video_id=video_id,
        title=title,
        duration=duration,
        fps=float(demo.fps),
        width=demo.width,
        height=demo.height,
        shots=gshots,
        sentences=sents,
        expected_pairs=pairs,
        silences=silences,
    )
