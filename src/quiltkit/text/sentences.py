"""Sentences with times, from the ASR word stream.

Whisper segments are decoding windows, not sentences: one segment can hold the end of one
sentence and the start of the next. We join every word of every segment into one text, let
pysbd (rule-based, offline) find sentence boundaries on it, and map each sentence's character
span back to the words it covers: its start is its first word's start, its end its last word's
end. Without word timestamps, a segment's time is spread over its characters instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from quiltkit.contracts import Transcript


@dataclass
class TimedSentence:
    start: float
    end: float
    text: str


@lru_cache(maxsize=1)
def _segmenter():
    import pysbd

    return pysbd.Segmenter(language="en", clean=False, char_span=True)


def _timed_words(transcript: Transcript) -> list[tuple[str, float, float]]:
    words = []
    for seg in transcript.segments:
        if seg.words:
            words += [(w.word.strip(), w.start, w.end) for w in seg.words if w.word.strip()]
        else:  # no word timestamps: interpolate inside the segment by character position
            toks = seg.text.split()
            total = max(1, sum(len(t) + 1 for t in toks))
            pos = 0
            for t in toks:
                a = seg.start + (seg.end - seg.start) * pos / total
                pos += len(t) + 1
                words.append((t, round(a, 3), round(seg.start + (seg.end - seg.start) * pos / total, 3)))
    return words


def build_sentences(transcript: Transcript, max_pause: float = 0.8) -> list[TimedSentence]:
    """Sentences by pysbd, then split again wherever the speaker paused for `max_pause` seconds:
    small Whisper models often drop the full stop between two sentences, and a pause that long
    inside one sentence is rare in a lecture (it usually means the slide changed)."""
    words = _timed_words(transcript)
    if not words:
        return []
    text_parts, offsets = [], []
    pos = 0
    for w, _, _ in words:
        offsets.append(pos)
        text_parts.append(w)
        pos += len(w) + 1
    text = " ".join(text_parts)
    out: list[TimedSentence] = []
    for span in _segmenter().segment(text):
        a, b = span.start, span.end
        covered = [i for i, o in enumerate(offsets) if o < b and o + len(words[i][0]) > a]
        if not covered or not span.sent.strip():
            continue
        group = [covered[0]]
        for i in covered[1:]:
            if words[i][1] - words[group[-1]][2] >= max_pause:
                out.append(_sentence(words, group))
                group = []
            group.append(i)
        out.append(_sentence(words, group))
    return out


def _sentence(words, idx: list[int]) -> TimedSentence:
    return TimedSentence(words[idx[0]][1], words[idx[-1]][2], " ".join(words[i][0] for i in idx))
