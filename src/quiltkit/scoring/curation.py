"""The curation scorecard: every video-side and text-side step against the demo ground truth.

Per video we score what its outputs allow (a video whose ASR failed still has scenes to score)
and keep raw counts; the corpus numbers are then micro-averaged over the counts (sum of true
positives over sum of predictions, corpus WER over all words), so a short video weighs what its
content weighs. Videos without ground truth (a real lecture in the list) are skipped with the
reason logged: there is nothing to score them against.
"""

from __future__ import annotations

import logging
from pathlib import Path

from quiltkit.config import PairsParams
from quiltkit.contracts import ContractError, FrameAnalysis, GroundTruth, TextAnalysis, Transcript
from quiltkit.pairing.align import ALIGNERS, pair_video
from quiltkit.scoring.pairs import combine, pair_scores

log = logging.getLogger(__name__)

TERM_OVERLAP = 0.5  # a text span is "around" a GT sentence if half of the shorter one overlaps


def _prf(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "tp": tp, "fp": fp, "fn": fn}


def _read(cls, path: Path, what: str, notes: list[str]):
    if not path.exists():
        notes.append(f"no {what}")
        return None
    try:
        doc = cls.read(path)
    except ContractError as err:
        notes.append(f"{what} unreadable: {err}")
        return None
    if getattr(doc, "status", "ok") != "ok":
        notes.append(f"{what} status {doc.status}")
        return None
    return doc


def score_video(
    gt: GroundTruth,
    frames: FrameAnalysis | None,
    transcript: Transcript | None,
    text: TextAnalysis | None,
    pairs_params: PairsParams,
    root: Path,
    vocab=None,
) -> dict:
    from quiltkit.scoring.grounding import detection_samples, grounding_samples
    from quiltkit.scoring.histology import histology_by_style_group, histology_precision_recall
    from quiltkit.scoring.scenes import gt_boundaries, scene_boundary_f1
    from quiltkit.scoring.wer import correction_effects, negation_accuracy, term_hits

    out: dict = {}
    if frames is not None:
        pred_cuts = [sc.start for sc in frames.scenes if sc.start > 0]
        out["scenes"] = scene_boundary_f1(pred_cuts, gt_boundaries(gt.shots))
        out["scenes"].pop("matches", None)
        out["histology"] = histology_precision_recall(frames.keyframes, gt)
        out["histology_by_group"] = histology_by_style_group(frames.keyframes, gt)
        if gt.pointer:
            out["pointer_detection"] = detection_samples(frames, gt)
    ref = " ".join(s.text for s in sorted(gt.sentences, key=lambda s: s.start))
    out["ref"] = ref

    def terms_found(spans: list[tuple[float, float, str]]) -> list[bool]:
        # Per GT sentence, in the text spoken around it: a term the lecture repeats elsewhere
        # must not count as recognised where the ASR garbled it.
        hits: list[bool] = []
        for g in gt.sentences:
            if g.terms:
                said = " ".join(
                    t
                    for a, b, t in spans
                    if min(b, g.end) - max(a, g.start) >= TERM_OVERLAP * min(b - a, g.end - g.start)
                )
                hits += term_hits(g.terms, said, vocab)
        return hits

    if transcript is not None:
        out["asr_text"] = " ".join(seg.text.strip() for seg in transcript.segments)
        hits_asr = terms_found([(seg.start, seg.end, seg.text) for seg in transcript.segments])
        out["terms_asr"] = (sum(hits_asr), len(hits_asr))
    if text is not None:
        out["corrected_text"] = " ".join(s.corrected_text for s in sorted(text.sentences, key=lambda s: s.start))
        hits_text = terms_found([(s.start, s.end, s.corrected_text) for s in text.sentences])
        out["terms_text"] = (sum(hits_text), len(hits_text))
        out["negation"] = negation_accuracy(gt.sentences, text.sentences, vocab)
    if transcript is not None and text is not None:
        # what the correction did to the raw transcript: words changed, and broken (right before,
        # wrong after) over the whole text; terms fixed per GT sentence, as term recall counts them
        eff = correction_effects(ref, out["asr_text"], out["corrected_text"])
        eff["fixed"] = sum(not a and b for a, b in zip(hits_asr, hits_text))
        out["corrections"] = {**eff, **_recall_pair(out["terms_asr"], out["terms_text"])}
    if frames is not None and text is not None:
        files, info = pair_video(frames, text, pairs_params, root)
        out["pair_chunk_time"] = info["pair_chunk_time"]
        out["pairs"] = {a: pair_scores(files[a].pairs, frames.images, text.sentences, gt) for a in ALIGNERS}
        if gt.pointer:
            out["pointer_grounding"] = grounding_samples(files[pairs_params.aligner].pairs, gt, pairs_params.grounding)
    return out


def score_corpus(
    gt_dir: Path,
    asr_dir: Path,
    frames_dir: Path,
    text_dir: Path,
    pairs_params: PairsParams,
    root: Path,
    vocab=None,
    videos: list[str] | None = None,
) -> dict:
    """Score the corpus's videos (`videos`, the video list's ids, failed ones included; default:
    every video with an output or a ground truth) against gt_dir. A corpus with no ground truth
    (no gt_dir, or none of its videos in it) says so in `ground_truth` instead of scoring nothing."""
    from quiltkit.scoring.wer import word_error_rate

    truth = {p.stem for p in gt_dir.glob("*.json")} if gt_dir.is_dir() else set()
    if videos is None:
        vids = sorted({p.stem for d in (frames_dir, asr_dir, text_dir) for p in d.glob("*.json")} | truth)
    else:
        vids = sorted(videos)
        if not truth & set(vids):
            log.info(
                "curation: no ground truth for the %d videos of this corpus in %s: nothing to score", len(vids), gt_dir
            )
            return {
                "ground_truth": f"none: {gt_dir} holds no ground truth for this corpus's {len(vids)} videos",
                "videos_scored": 0,
                "videos_skipped": len(vids),
            }
    per_video, skipped = {}, {}
    for vid in vids:
        gpath = gt_dir / f"{vid}.json"
        if not gpath.exists():
            skipped[vid] = "no ground truth"
            log.info("curation: skipping %s: no ground truth at %s", vid, gpath)
            continue
        try:
            gt = GroundTruth.read(gpath)
        except ContractError as err:
            skipped[vid] = str(err)
            log.warning("curation: skipping %s: %s", vid, err)
            continue
        notes: list[str] = []
        frames = _read(FrameAnalysis, frames_dir / f"{vid}.json", "frames", notes)
        transcript = _read(Transcript, asr_dir / f"{vid}.json", "asr", notes)
        text = _read(TextAnalysis, text_dir / f"{vid}.json", "text", notes)
        if notes:
            log.info("curation: %s scored partially: %s", vid, "; ".join(notes))
        try:
            per_video[vid] = score_video(gt, frames, transcript, text, pairs_params, root, vocab)
        except Exception as err:  # one broken video must not sink the scorecard
            log.warning("curation: %s failed: %s: %s", vid, type(err).__name__, err)
            skipped[vid] = f"{type(err).__name__}: {err}"
            continue
        per_video[vid]["notes"] = notes
    return aggregate(per_video, skipped, word_error_rate)


SIDE_BY_SIDE = {  # the figures a reader compares first, as dotted keys of a scored corpus
    "scene_boundary_f1": "scene_boundary.f1",
    "histology_precision": "histology.precision",
    "histology_recall": "histology.recall",
    "pair_precision": "pairs.sentence.precision",
    "pair_recall": "pairs.sentence.recall",
    "quilt_pair_precision": "pairs.quilt.precision",
    "quilt_pair_recall": "pairs.quilt.recall",
    "asr_wer": "asr.wer",
    "asr_term_recall": "asr.term_recall",
    "text_wer": "text.wer",
    "text_term_recall": "text.term_recall",
    "pointer_precision": "pointer.detection.precision",
    "pointer_recall": "pointer.detection.recall",
    "pointer_false_per_100": "pointer.detection.false_per_100_empty",
    "pointing_game": "pointer.grounding.pointing_game",
    "region_iou": "pointer.grounding.mean_iou",
}


def _dotted(d: dict, key: str):
    for part in key.split("."):
        if not isinstance(d, dict) or part not in d:
            return None
        d = d[part]
    return d


def side_by_side(corpora: dict[str, dict]) -> dict:
    """{figure: {corpus: value}}: the demo's in-distribution figure beside the held-out one."""
    return {name: {c: _dotted(m, key) for c, m in corpora.items()} for name, key in SIDE_BY_SIDE.items()}


def _recall_pair(raw: tuple[int, int], corrected: tuple[int, int]) -> dict:
    return {
        "term_recall_raw": round(raw[0] / raw[1], 4) if raw[1] else None,
        "term_recall_corrected": round(corrected[0] / corrected[1], 4) if corrected[1] else None,
        "terms": raw[1],
    }


def aggregate(per_video: dict, skipped: dict, word_error_rate) -> dict:
    m: dict = {"videos_scored": len(per_video), "videos_skipped": len(skipped), "skipped": skipped}
    sc = [v["scenes"] for v in per_video.values() if "scenes" in v]
    if sc:
        m["scene_boundary"] = _prf(sum(s["tp"] for s in sc), sum(s["fp"] for s in sc), sum(s["fn"] for s in sc))
    hi = [v["histology"] for v in per_video.values() if "histology" in v]
    if hi:
        m["histology"] = _prf(sum(s["tp"] for s in hi), sum(s["fp"] for s in hi), sum(s["fn"] for s in hi))
    groups: dict = {}
    for v in per_video.values():
        for g, c in v.get("histology_by_group", {}).items():
            acc = groups.setdefault(g, {"histology": c["histology"], "keyframes": 0, "called_histology": 0})
            acc["keyframes"] += c["keyframes"]
            acc["called_histology"] += c["called_histology"]
    if groups:
        m["histology_by_group"] = dict(sorted(groups.items()))
    # "asr": the raw transcript; "text": after correction (what the pairs carry as captions)
    for key, name in (("asr_text", "asr"), ("corrected_text", "text")):
        vs = [v for v in per_video.values() if key in v]
        if vs:
            found = sum(v[f"terms_{name}"][0] for v in vs)
            total = sum(v[f"terms_{name}"][1] for v in vs)
            m[name] = {
                "wer": round(word_error_rate([v["ref"] for v in vs], [v[key] for v in vs]), 4),
                "term_recall": round(found / total, 4) if total else None,
                "terms": total,
            }
    cv = [v for v in per_video.values() if "corrections" in v]
    if cv:
        counts = {k: sum(v["corrections"][k] for v in cv) for k in ("changed", "fixed", "broken")}
        raw, cor = ([sum(v[f"terms_{n}"][i] for v in cv) for i in (0, 1)] for n in ("asr", "text"))
        m.setdefault("text", {})["corrections"] = {**counts, **_recall_pair(tuple(raw), tuple(cor))}
    neg = [v["negation"] for v in per_video.values() if "negation" in v]
    if neg:
        total = sum(t for _, t in neg)
        m.setdefault("text", {})["negation_accuracy"] = round(sum(c for c, _ in neg) / total, 4) if total else None
        m["text"]["negated_terms"] = total
    pv = [v["pairs"] for v in per_video.values() if "pairs" in v]
    if pv:
        m["pairs"] = {a: combine([p[a] for p in pv]) for a in pv[0]}
    det = [v["pointer_detection"] for v in per_video.values() if "pointer_detection" in v]
    if det:
        from quiltkit.scoring.grounding import aggregate_pointer

        grounded = [g for v in per_video.values() for g in v.get("pointer_grounding", [])]
        m["pointer"] = aggregate_pointer(det, grounded)
    m["per_video"] = {
        vid: {
            k: v[k]
            for k in ("scenes", "histology", "histology_by_group", "pairs", "pair_chunk_time", "notes")
            if k in v
        }
        for vid, v in per_video.items()
    }
    for vid, v in m["per_video"].items():
        if "corrections" in per_video[vid]:
            v["text"] = {"corrections": per_video[vid]["corrections"]}
        if "pairs" in v:
            v["pairs"] = {a: combine([c]) for a, c in v["pairs"].items()}
    return m
