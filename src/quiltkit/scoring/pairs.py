"""Pair precision / recall against the demo's expected pairs.

The ground truth says, for each histology shot, which sentences were spoken while it was on
screen. Our pairs name an image (an interval of the video) and a sentence of *our* transcript,
so both sides are first mapped onto the ground truth:

  image    -> the GT shot holding it: the shot overlapping most of the image's [start, end]
              (at least half of it; a point image must fall inside the shot);
  sentence -> the GT sentence it transcribes: the best temporal IoU, confirmed or, when the
              ASR timing drifts, decided by text similarity with nearby GT sentences; a
              sentence the ASR merged from several spoken ones maps to all of them.

A predicted pair is correct when one of its (shot, GT sentence) is an expected pair, and hits
all of its expected (shot, GT sentence). Precision counts
predicted pairs (a pair whose image or sentence maps to nothing is simply wrong); recall counts
the distinct expected (shot, sentence) pairs that some predicted pair hits, so proposing two
images of one shot is neither punished nor rewarded twice.
"""

from __future__ import annotations

from rapidfuzz import fuzz

from quiltkit.contracts import ChunkImage, GroundTruth, PairRecord, Sentence

MIN_IMAGE_SHARE = 0.5
TEXT_WINDOW = 3.0  # seconds around a sentence within which GT sentences are text-matched
MIN_MATCH = 0.5  # IoU + text similarity (0..1) needed to accept a sentence match
COVER_SHARE = 0.5  # a merged ASR sentence covers a GT sentence holding half its time ...
COVER_TEXT = 60  # ... and its words (rapidfuzz partial_ratio)


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


def image_shot(im: ChunkImage, gt: GroundTruth) -> int | None:
    dur = im.end - im.start
    best, best_share = None, 0.0
    for sh in gt.shots:
        if dur <= 0:
            share = 1.0 if sh.start <= im.start < sh.end else 0.0
        else:
            share = _overlap(im.start, im.end, sh.start, sh.end) / dur
        if share > best_share:
            best, best_share = sh.index, share
    return best if best_share >= MIN_IMAGE_SHARE else None


def sentence_match(s: Sentence, gt: GroundTruth) -> int | None:
    text = (s.corrected_text or s.noisy_text).lower()
    best, best_score = None, 0.0
    for g in gt.sentences:
        if g.end < s.start - TEXT_WINDOW or g.start > s.end + TEXT_WINDOW:
            continue
        inter = _overlap(s.start, s.end, g.start, g.end)
        union = max(s.end, g.end) - min(s.start, g.start)
        iou = inter / union if union > 0 else 0.0
        sim = fuzz.token_set_ratio(text, g.text.lower()) / 100.0
        score = iou + sim
        if score > best_score:
            best, best_score = g.index, score
    return best if best_score >= MIN_MATCH else None


def sentence_matches(s: Sentence, gt: GroundTruth) -> list[int]:
    """GT sentences a predicted sentence transcribes. ASR often merges two spoken sentences into
    one; the merged sentence then holds both, so it maps to every GT sentence it covers (at least
    half of the GT sentence's time, and its text found inside) and otherwise to the best match."""
    text = (s.corrected_text or s.noisy_text).lower()
    covered = []
    for g in gt.sentences:
        g_dur = g.end - g.start
        if g_dur <= 0:
            continue
        if (
            _overlap(s.start, s.end, g.start, g.end) / g_dur >= COVER_SHARE
            and fuzz.partial_ratio(g.text.lower(), text) >= COVER_TEXT
        ):
            covered.append(g.index)
    if len(covered) > 1:
        return covered
    best = sentence_match(s, gt)
    return [best] if best is not None else []


def pair_scores(pairs: list[PairRecord], images: list[ChunkImage], sentences: list[Sentence], gt: GroundTruth) -> dict:
    """Counts for one video (aggregate with `combine`)."""
    expected = {(p.shot_index, i) for p in gt.expected_pairs for i in p.sentence_indices}
    shot_of = {im.image_id: image_shot(im, gt) for im in images}
    gt_of = {s.index: sentence_matches(s, gt) for s in sentences}
    correct = 0
    hit: set[tuple[int, int]] = set()
    n_pred = 0
    for p in pairs:
        shot = shot_of.get(p.image_id)
        for si in p.sentence_indices or [None]:
            n_pred += 1
            good = [(shot, g) for g in gt_of.get(si, [])] if shot is not None and si is not None else []
            good = [sg for sg in good if sg in expected]
            if good:
                correct += 1
                hit.update(good)
    return {"n_pred": n_pred, "n_correct": correct, "n_expected": len(expected), "n_expected_hit": len(hit)}


def combine(counts: list[dict]) -> dict:
    """Micro-averaged precision / recall / F1 over videos."""
    n_pred = sum(c["n_pred"] for c in counts)
    n_correct = sum(c["n_correct"] for c in counts)
    n_exp = sum(c["n_expected"] for c in counts)
    n_hit = sum(c["n_expected_hit"] for c in counts)
    precision = n_correct / n_pred if n_pred else 0.0
    recall = n_hit / n_exp if n_exp else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "pairs": n_pred,
        "correct": n_correct,
        "expected": n_exp,
        "expected_hit": n_hit,
    }
