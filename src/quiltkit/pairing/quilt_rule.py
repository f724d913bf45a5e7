"""The Quilt-1M pairing rule: time-window chunks opened and closed by histology keyframes.

Walking the keyframes in time order, a chunk
  opens  on a non-histology -> histology change,
  closes on a histology -> non-histology change, on a gap between histology keyframes longer
         than pair_chunk_time, or once it has lasted pair_chunk_time (a long histology stretch
         is then cut into consecutive chunks, each with its own text window).
Every image of the chunk is paired with every sentence spoken in the text window
  [max(prev_t, t - pair_chunk_time), chunk end]
where t is the chunk's start and prev_t the end of the previous chunk. Keyframes mark scene
changes, so a histology scene stays on screen until the next keyframe: a gap between histology
keyframes longer than pair_chunk_time is a histology scene longer than pair_chunk_time, and the
length rule has already closed the chunk there (the gap rule is subsumed; without keyframes, the
images stand in and a gap between them is a non-histology event). A long histology stretch
continues in a fresh chunk rather than going unpaired.

The text window reaches back because the lecturer usually introduces a slide just before it
appears, but never into the text already given to the previous chunk. \
That reach-back is exactly what makes the rule imprecise on
fast-paced lectures, and why we keep it only as the reference aligner.
"""

from __future__ import annotations

from dataclasses import dataclass

from quiltkit.contracts import ChunkImage, FrameAnalysis, PairRecord, Sentence


@dataclass
class Chunk:
    start: float
    end: float
    text_start: float


def histology_events(frames: FrameAnalysis, hist_threshold: float) -> list[tuple[float, bool]]:
    """(time, is_histology) keyframe events. Without recorded keyframes, the images stand in:
    each histology image starts a histology event and its end, unless another image follows
    within half a second, a non-histology one."""
    if frames.keyframes:
        return sorted((k.time, bool(k.is_histology)) for k in frames.keyframes)
    ims = sorted((im for im in frames.images if im.histology_prob >= hist_threshold), key=lambda im: im.start)
    events: list[tuple[float, bool]] = []
    for i, im in enumerate(ims):
        events.append((im.start, True))
        nxt = ims[i + 1].start if i + 1 < len(ims) else None
        if nxt is None or nxt - im.end > 0.5:
            events.append((im.end, False))
    # by time only, and stable: a point image's (t, True) stays before its (t, False); sorting the
    # tuples put False first, so the image opened a chunk that ran on to the next image or the end
    return sorted(events, key=lambda e: e[0])


def chunks(events: list[tuple[float, bool]], chunk_time: float, duration: float) -> list[Chunk]:
    out: list[Chunk] = []
    open_start: float | None = None
    last_histo = 0.0
    prev_t = 0.0

    def close(at: float) -> None:
        nonlocal open_start, prev_t
        assert open_start is not None
        t = open_start
        out.append(Chunk(start=t, end=at, text_start=max(prev_t, t - chunk_time)))
        prev_t = at
        open_start = None

    def open_(at: float) -> None:
        nonlocal open_start, last_histo
        open_start, last_histo = at, at

    def cut_long(until: float) -> None:
        # A chunk that would outlast pair_chunk_time closes at start + chunk_time and the same
        # histology stretch continues in a fresh chunk.
        while open_start is not None and until - open_start > chunk_time:
            at = open_start + chunk_time
            close(at)
            open_(at)

    for t, is_histo in events:
        if open_start is not None:
            cut_long(t)
        if is_histo:
            if open_start is None:
                open_(t)
            else:
                last_histo = t
        elif open_start is not None:
            close(t)
    if open_start is not None:
        end = max(duration, open_start)
        cut_long(end)
        close(end)
    return out


def _overlaps(a0: float, a1: float, b0: float, b1: float) -> bool:
    if a1 <= a0:  # a point image (a keyframe) belongs to the chunk it falls in
        return b0 <= a0 < b1 or (b1 == b0 == a0)
    return min(a1, b1) - max(a0, b0) > 0


def quilt_pairs(
    video_id: str, frames: FrameAnalysis, sentences: list[Sentence], chunk_time: float, hist_threshold: float, make
) -> list[PairRecord]:
    """`make(image, sentence, score)` builds the record (pairing.records.make_pair, curried)."""
    images = [im for im in frames.images if im.histology_prob >= hist_threshold]
    pairs: dict[str, PairRecord] = {}
    for ch in chunks(histology_events(frames, hist_threshold), chunk_time, frames.duration):
        in_chunk: list[ChunkImage] = [im for im in images if _overlaps(im.start, im.end, ch.start, ch.end)]
        if not in_chunk:
            continue
        said = [s for s in sentences if ch.text_start <= (s.start + s.end) / 2 <= ch.end]
        for im in in_chunk:
            for s in said:
                rec = make(im, s, 1.0)
                pairs.setdefault(rec.pair_id, rec)  # an image spanning two chunks pairs once per sentence
    return sorted(pairs.values(), key=lambda p: (p.start, p.image_id))
