"""Turning an (image, sentence) decision into a PairRecord with the Quilt release's fields.

Both aligners go through here, so the two differ only in *which* pairs they choose, never in how
a pair is described.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from quiltkit.contracts import ChunkImage, PairRecord, Sentence, TextAnalysis
from quiltkit.pairing.magnification import spoken_magnification
from quiltkit.text.keywords import KEYWORDS_PER_CHUNK, rake


def resolve_image_path(path: str, root: Path) -> str:
    """The repo-relative path of a frames image.

    The frames stage writes repo-relative paths (outputs/frames/<vid>/<id>.png); an older
    contract said "relative to the frames dir", so that reading is accepted too. Whatever we
    return is repo-relative, as every path inside our outputs must be.
    """
    p = Path(path)
    if p.is_absolute():
        try:
            return p.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            return p.as_posix()
    if (root / p).exists():
        return p.as_posix()
    alt = Path("outputs/frames") / p
    if (root / alt).exists():
        return alt.as_posix()
    return p.as_posix()


# Whisper, small models above all, sometimes loops ("colorectal adenocarcinoma, colorectal
# adenocarcinoma, ...") or stretches a few words over half a minute of music or silence. Such a
# "sentence" is no caption, and its timestamps cannot place it on any image.
MIN_DISTINCT_WORD_SHARE = 0.5  # at >= 4 words: a loop repeats a couple of words
SLOW_SENTENCE_SECONDS = 6.0  # a sentence this long ...
MIN_WORDS_PER_SECOND = 0.6  # ... with fewer words per second than this has broken timestamps


def _words(text: str) -> list[str]:
    return [w for w in re.sub(r"[^\w\s]", " ", text.lower()).split() if w]


def unusable_reason(s: Sentence, min_words: int) -> str | None:
    words = _words(s.corrected_text or s.noisy_text)
    if len(words) < min_words:
        return "too_short"
    if s.end < s.start:
        return "bad_times"
    if len(words) >= 4 and len(set(words)) / len(words) <= MIN_DISTINCT_WORD_SHARE:
        return "repetitive"
    dur = s.end - s.start
    if dur > SLOW_SENTENCE_SECONDS and len(words) / dur < MIN_WORDS_PER_SECOND:
        return "stretched"
    return None


def usable_sentences(text: TextAnalysis, min_words: int, dropped: Counter | None = None) -> list[Sentence]:
    """Sentences worth pairing; `dropped` (if given) counts the others by reason."""
    out = []
    for s in text.sentences:
        why = unusable_reason(s, min_words)
        if why is None:
            out.append(s)
        elif dropped is not None:
            dropped[why] += 1
    return sorted(out, key=lambda s: (s.start, s.index))


def sentence_concepts(s: Sentence) -> list[str]:
    # Negated mentions ("no evidence of malignancy") must not label the image with the concept.
    return sorted({e.concept_id for e in s.entities if e.concept_id and not e.negated})


def sentence_pathology(s: Sentence) -> list[str]:
    return sorted({e.subpathology for e in s.entities if e.subpathology and not e.negated})


def make_pair(
    video_id: str,
    image: ChunkImage,
    image_path: str,
    s: Sentence,
    aligner: str,
    score: float,
    video_pathology: list[str],
    keywords_top_k: int = KEYWORDS_PER_CHUNK,
) -> PairRecord:
    # corrected_text is whatever the text stage settled on (vocabulary corrector, then the LLM when
    # text.llm.correct), and role is the LLM's label when text.llm.roles: a pair carries both as is.
    text = (s.corrected_text or s.noisy_text).strip()
    said = spoken_magnification(text)
    return PairRecord(
        pair_id=f"{image.image_id}-s{s.index}",
        video_id=video_id,
        image_id=image.image_id,
        image_path=image_path,
        caption=text,
        sentence_indices=[s.index],
        start=s.start,
        end=s.end,
        noisy_text=s.noisy_text,
        corrected_text=s.corrected_text,
        roi_text=text if s.role == "roi" else "",
        med_text=text if s.role == "medical" else "",
        keywords=rake(text, top_k=keywords_top_k) if keywords_top_k else [],
        med_umls_ids=sentence_concepts(s),
        # Entity-level sub-pathology when the sentence names one, else the video's label (the
        # release labels whole videos, which is the coarser fallback).
        pathology=sentence_pathology(s) or sorted(set(video_pathology)),
        magnification=said or image.magnification,
        magnification_image=image.magnification,
        magnification_narration=said,
        height=image.height,
        width=image.width,
        source="quilt_video",
        aligner=aligner,
        score=round(float(score), 4),
    )
