"""Pair one video with both aligners; the stage writes the configured one and scores both."""

from __future__ import annotations

from collections import Counter
from functools import partial
from pathlib import Path

from quiltkit.config import PairsParams
from quiltkit.contracts import FrameAnalysis, PairsFile, TextAnalysis
from quiltkit.pairing.grounding import ground
from quiltkit.pairing.pace import video_chunk_time
from quiltkit.pairing.quilt_rule import quilt_pairs
from quiltkit.pairing.records import make_pair, resolve_image_path, usable_sentences
from quiltkit.pairing.sentence_aligner import sentence_pairs
from quiltkit.text.keywords import KEYWORDS_PER_CHUNK

ALIGNERS = ("quilt", "sentence")


def pair_video(
    frames: FrameAnalysis,
    text: TextAnalysis,
    params: PairsParams,
    root: Path,
    keywords_per_chunk: int = KEYWORDS_PER_CHUNK,
) -> tuple[dict[str, PairsFile], dict]:
    """Returns ({aligner: PairsFile}, info). Raises ValueError when the two files disagree on the video.
    `keywords_per_chunk` RAKE keywords are taken from each pair's own text (0: none)."""
    if frames.video_id != text.video_id:
        raise ValueError(f"frames is for {frames.video_id!r} but text is for {text.video_id!r}")
    vid = frames.video_id
    dropped: Counter = Counter()
    sentences = usable_sentences(text, params.min_words, dropped)
    paths = {im.image_id: resolve_image_path(im.path, root) for im in frames.images}

    def make(aligner, image, sentence, score):
        return make_pair(
            vid, image, paths[image.image_id], sentence, aligner, score, text.subpathology, keywords_per_chunk
        )

    chunk_time = video_chunk_time(frames, params)
    out = {
        "quilt": PairsFile(
            video_id=vid,
            aligner="quilt",
            pairs=quilt_pairs(vid, frames, sentences, chunk_time, params.histology_threshold, partial(make, "quilt")),
        ),
        "sentence": PairsFile(
            video_id=vid,
            aligner="sentence",
            pairs=sentence_pairs(vid, frames, sentences, params, partial(make, "sentence")),
        ),
    }
    if params.grounding.enabled:
        images = {im.image_id: im for im in frames.images}
        for pf in out.values():
            for rec in pf.pairs:
                im = images[rec.image_id]
                rec.region, rec.region_track = ground(
                    im.pointer, rec.start, rec.end, im.width, im.height, params.grounding
                )
    info = {
        "pair_chunk_time": round(chunk_time, 3),
        "sentences_usable": len(sentences),
        "sentences_dropped": dict(dropped),
    }
    return out, info


def summarize(pf: PairsFile) -> dict:
    return {
        "pairs": len(pf.pairs),
        "images_paired": len({p.image_id for p in pf.pairs}),
        "sentences_used": len({i for p in pf.pairs for i in p.sentence_indices}),
    }


def pair_task(task) -> dict:
    """Runner entry (picklable): pair one video and write the configured aligner's PairsFile."""
    a = task.args
    params = PairsParams.model_validate(a["params"])
    frames = FrameAnalysis.read(a["frames"])
    text = TextAnalysis.read(a["text"])
    for name, doc in (("frames", frames), ("text", text)):
        if doc.status != "ok":
            return {"status": "skipped", "error": f"{name} status is {doc.status}: {doc.error or 'no reason given'}"}
    files, info = pair_video(frames, text, params, Path(a["root"]), a.get("keywords_per_chunk", KEYWORDS_PER_CHUNK))
    files[params.aligner].write(task.output)
    return {**info, **summarize(files[params.aligner])}
