"""Speech and text scores against the demo ground truth (self-contained; the curation scorer
imports these).

Normalisation before word error rate, applied to references and hypotheses alike, so the score
measures words and not typography:
  1. lowercase; "&" -> "and"; hyphens and slashes -> spaces;
  2. numbers spoken as words ("3" -> "three", "2.5" -> "two point five", "40%" -> "forty percent");
  3. British -> American spelling for the few pathology words that differ (haematoxylin, tumour,
     oedema, ...) so the narrator's and Whisper's spellings agree;
  4. punctuation removed, whitespace collapsed.
"""

from __future__ import annotations

import re
from typing import Iterable

import jiwer

_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen "
    "eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_SPELLING = {
    "haematoxylin": "hematoxylin",
    "tumour": "tumor",
    "tumours": "tumors",
    "oedema": "edema",
    "haemorrhage": "hemorrhage",
    "oesophagus": "esophagus",
    "leukaemia": "leukemia",
    "centre": "center",
    "fibres": "fibers",
    "fibre": "fiber",
    "naevus": "nevus",
    "haemosiderin": "hemosiderin",
    "colour": "color",
}


def number_to_words(n: int) -> str:
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    if n < 1000:
        rest = n % 100
        return _ONES[n // 100] + " hundred" + ("" if rest == 0 else " " + number_to_words(rest))
    if n < 1_000_000:
        rest = n % 1000
        return number_to_words(n // 1000) + " thousand" + ("" if rest == 0 else " " + number_to_words(rest))
    return " ".join(_ONES[int(d)] for d in str(n))


def _spell_number(m: re.Match) -> str:
    whole, frac, pct = m.group(1), m.group(2), m.group(3)
    out = number_to_words(int(whole))
    if frac:
        out += " point " + " ".join(_ONES[int(d)] for d in frac)
    if pct:
        out += " percent"
    return f" {out} "


def normalize_text(text: str) -> str:
    t = text.lower().replace("&", " and ")
    t = re.sub(r"[-/]", " ", t)
    t = re.sub(r"(\d+)(?:\.(\d+))?\s*(%)?", _spell_number, t)
    t = re.sub(r"[^a-z' ]+", " ", t).replace("'", "")
    return " ".join(_SPELLING.get(w, w) for w in t.split())


def word_error_rate(refs: Iterable[str], hyps: Iterable[str]) -> float:
    """Corpus WER (total edits / total reference words) after normalize_text."""
    r = [normalize_text(x) for x in refs]
    h = [normalize_text(x) for x in hyps]
    if len(r) != len(h):
        raise ValueError(f"{len(r)} references but {len(h)} hypotheses")
    pairs = [(a, b) for a, b in zip(r, h) if a]
    if not pairs:
        return 0.0
    return float(jiwer.wer([a for a, _ in pairs], [b if b else "<empty>" for _, b in pairs]))


def term_hits(gt_terms: Iterable[str], text: str, vocab=None) -> list[bool]:
    """Per ground-truth term, whether it occurs in `text`, counting any surface form of the
    term's concept (with `vocab`), so "mitoses" finds the term "mitosis". A form that is a mere
    part of the term does not count: "necrosis" alone does not find "dirty necrosis"."""
    norm = f" {normalize_text(text)} "
    hits = []
    for term in gt_terms:
        forms = {term}
        if vocab is not None and (c := vocab.lookup(term)) is not None:
            nt = f" {normalize_text(term)} "
            forms |= {f for f in c.forms if f" {normalize_text(f)} " not in nt}
        hits.append(any(f" {normalize_text(f)} " in norm for f in forms))
    return hits


def term_recall(gt_terms: Iterable[str], text: str, vocab=None) -> tuple[int, int]:
    """(found, total) of term_hits."""
    hits = term_hits(gt_terms, text, vocab)
    return sum(hits), len(hits)


def _alignment(ref: str, hyp: str):
    """jiwer's word alignment of two normalised texts (an empty side stands as one non-word)."""
    return jiwer.process_words(ref or "<empty>", hyp or "<empty>")


def _words_hit(ref: str, hyp: str) -> set[int]:
    """Indices of the reference words that the hypothesis has right ('equal' in the alignment)."""
    if not ref or not hyp:
        return set()
    return {
        i
        for ch in _alignment(ref, hyp).alignments[0]
        if ch.type == "equal"
        for i in range(ch.ref_start_idx, ch.ref_end_idx)
    }


def correction_effects(reference: str, raw: str, corrected: str, gt_terms: Iterable[str] = (), vocab=None) -> dict:
    """What correcting `raw` into `corrected` did, against `reference` (all normalised first):
    changed: word edits from raw to corrected (substitutions + deletions + insertions);
    fixed: ground-truth terms (term_hits) missing in raw and present after correction;
    broken: reference words the raw text had right (aligned as equal) that the corrected text no
    longer has: the false corrections."""
    ref, r, c = normalize_text(reference), normalize_text(raw), normalize_text(corrected)
    changed = 0
    if r != c:
        o = _alignment(r, c)
        changed = o.substitutions + o.deletions + o.insertions
    terms = list(gt_terms)
    fixed = sum(not a and b for a, b in zip(term_hits(terms, r, vocab), term_hits(terms, c, vocab)))
    broken = len(_words_hit(ref, r) - _words_hit(ref, c)) if changed else 0
    return {"changed": changed, "fixed": fixed, "broken": broken}


def negation_accuracy(gt_sentences, analyses, vocab=None) -> tuple[int, int]:
    """(correct, total) over ground-truth negated terms: a negated term counts as correct when
    the analysis has an entity for it in the time-overlapping sentences and every such entity is
    negated. `analyses` is a list of contracts.Sentence for the same video."""

    def concept(term):
        c = vocab.lookup(term) if vocab is not None else None
        return c.term if c else term.lower()

    correct = total = 0
    for gs in gt_sentences:
        for term in gs.negated_terms:
            total += 1
            target = concept(term)
            ents = [
                e
                for s in analyses
                if s.end > gs.start - 0.5 and s.start < gs.end + 0.5
                for e in s.entities
                if e.label.lower() == target.lower()
            ]
            if ents and all(e.negated for e in ents):
                correct += 1
    return correct, total


def speech_text_scores(gt_dir, asr_dir, text_dir=None, vocab=None) -> dict:
    """Corpus scores for the demo: WER of the raw ASR and of the corrected text against the
    narration, vocabulary-term recall (raw and corrected; 1 - recall is the medical-term error),
    and negation accuracy. WER is computed per video on the concatenated text, because ASR and
    ground-truth sentence boundaries need not agree; the corpus rate pools all edits."""
    from pathlib import Path

    from quiltkit.contracts import ContractError, GroundTruth, TextAnalysis, Transcript

    refs, raw, corrected = [], [], []
    found_raw = found_cor = total_terms = neg_ok = neg_total = role_ok = role_total = 0
    for gt_path in sorted(Path(gt_dir).glob("*.json")):
        gt = GroundTruth.read(gt_path)
        try:
            tr = Transcript.read(Path(asr_dir) / f"{gt.video_id}.json")
        except ContractError:
            continue
        ta = None
        if text_dir is not None:
            try:
                ta = TextAnalysis.read(Path(text_dir) / f"{gt.video_id}.json")
            except ContractError:
                pass
        raw_text = " ".join(s.text for s in tr.segments)
        cor_text = " ".join(s.corrected_text for s in ta.sentences) if ta else raw_text
        refs.append(" ".join(s.text for s in gt.sentences))
        raw.append(raw_text)
        corrected.append(cor_text)
        terms = [t for s in gt.sentences for t in s.terms]
        f, n = term_recall(terms, raw_text, vocab)
        found_raw, total_terms = found_raw + f, total_terms + n
        found_cor += term_recall(terms, cor_text, vocab)[0]
        if ta:
            c, n = negation_accuracy([s for s in gt.sentences if s.negated_terms], ta.sentences, vocab)
            neg_ok, neg_total = neg_ok + c, neg_total + n
            c, n = role_accuracy(gt.sentences, ta.sentences)
            role_ok, role_total = role_ok + c, role_total + n
    out = {
        "videos": len(refs),
        "wer_raw": round(word_error_rate(refs, raw), 4) if refs else None,
        "term_recall_raw": round(found_raw / total_terms, 4) if total_terms else None,
        "gt_terms": total_terms,
    }
    if text_dir is not None:
        out["wer_corrected"] = round(word_error_rate(refs, corrected), 4) if refs else None
        out["term_recall_corrected"] = round(found_cor / total_terms, 4) if total_terms else None
        out["negation_accuracy"] = round(neg_ok / neg_total, 4) if neg_total else None
        out["negated_terms"] = neg_total
        out["role_accuracy"] = round(role_ok / role_total, 4) if role_total else None
    return out


def role_accuracy(gt_sentences, analyses) -> tuple[int, int]:
    """(correct, total): each ground-truth sentence against the analysed sentence that overlaps it
    most in time; no overlapping sentence counts as wrong."""
    correct = 0
    for gs in gt_sentences:
        best, best_overlap = None, 0.0
        for s in analyses:
            ov = min(gs.end, s.end) - max(gs.start, s.start)
            if ov > best_overlap:
                best, best_overlap = s, ov
        correct += best is not None and best.role == gs.role
    return correct, len(gt_sentences)
