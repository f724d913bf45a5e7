"""The release's chunk rule: which key frames make up each chunk, numbered as chunk_id is.

quilt_data.csv's chunk ids and quilt_recon.csv's stable_times are indexed by the chunks the
curation cut from (key_frame_times, predictions, pair_chunk_time); the images of a chunk with no
usable stable interval are its key frames. So the rule has to be the release's own, quirks
included, or chunk ids point at the wrong key frames. As its script applies it, walking the key
frames in order with the previous one's time and verdict at hand:

  - a key frame at t = 0 is passed over (it still becomes "the previous one");
  - histology after non-histology opens a chunk with this key frame;
  - histology after histology: a gap longer than pair_chunk_time closes the open chunk and
    opens the next with this key frame; otherwise the gap adds to the chunk's running time, and
    once that passes pair_chunk_time this key frame is the chunk's last and the chunk closes,
    the next one starting empty;
  - non-histology after histology closes the chunk (an empty one takes the previous key frame);
  - a chunk still open after the last key frame is never closed, and so has no id.

quiltkit's own pairing (quiltkit.pairing.quilt_rule) cuts chunks from the same events by a
cleaner version of this rule; it is not used here because ids must match the release's.
"""

from __future__ import annotations


def release_chunks(times: list[float], predictions: list[bool], pair_chunk_time: float) -> list[list[float]]:
    """Per chunk, in chunk_id order, the times of its key frames."""
    if len(times) != len(predictions):
        raise ValueError(f"{len(times)} key frame times but {len(predictions)} predictions")
    chunks: list[list[float]] = []
    current: list[float] = []
    running = 0.0
    prev_t, prev_p = 0.0, False
    for t, p in zip(times, predictions):
        if t == 0:
            prev_t, prev_p = t, p
            continue
        if p and not prev_p:
            current.append(t)
        elif p and prev_p:
            if t - prev_t > pair_chunk_time:
                chunks.append(current or [t])
                current, running = [t], 0.0
            else:
                running += t - prev_t
                current.append(t)
                if running > pair_chunk_time:
                    chunks.append(current)
                    current, running = [], 0.0
        elif prev_p:
            chunks.append(current or [prev_t])
            current, running = [], 0.0
        prev_t, prev_p = t, p
    return chunks
