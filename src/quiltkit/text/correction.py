"""Fix medical terms that ASR misheard, against the vocabulary.

Whisper (tiny.en above all) splits or bends rare words: "adenocarcinoma" becomes "adeno car
sinoma" or "and a carcinoma", "neoplastic" becomes "nemoplastic". We slide over word n-grams
(longest first), glue each n-gram's letters together and look for a vocabulary form that is
close both in spelling (rapidfuzz ratio >= text.fuzzy_min_score) and in sound (metaphone keys
that agree). The corrector is deliberately conservative, because a wrong "fix" plants a false
finding in a caption:
- a single word that is common English (a one-token word in Whisper's BPE vocabulary, kept in
  text/data/common_words.txt) is never rewritten: "tablet" stays "tablet";
- an n-gram made only of common words is rewritten only into a multi-word term with the same
  word count that shares a word ("goblet sells" -> "goblet cells"), never glued into one word;
- first letters must agree and lengths stay within a few characters.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jellyfish
from rapidfuzz import fuzz, process

from quiltkit.text.vocabulary import Vocabulary, normalize_form

COMMON_WORDS_FILE = Path(__file__).parent / "data" / "common_words.txt"
_TOKEN = re.compile(r"\S+")
_EDGE_PUNCT = re.compile(r"^([\"'(\[]*)(.*?)([\"'.,;:!?)\]]*)$")


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    lines = COMMON_WORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(w for w in lines if w and not w.startswith("#"))


def _phonetic_similarity(a: str, b: str) -> float:
    ka, kb = jellyfish.metaphone(a), jellyfish.metaphone(b)
    if not ka or not kb:
        return 0.0
    return jellyfish.jaro_winkler_similarity(ka, kb)


@dataclass
class Correction:
    start: int  # token index
    n: int
    noisy: str
    corrected: str
    score: float


class Corrector:
    def __init__(self, vocab: Vocabulary, min_score: float = 88.0, max_ngram: int = 3, min_phonetic: float = 0.85):
        self.min_score = min_score
        self.max_ngram = max_ngram
        self.min_phonetic = min_phonetic
        self.common = common_words()
        self.vocab = vocab
        # Only forms worth fixing towards: 5+ letters, at most max_ngram words.
        self.forms = {f for f in vocab.by_form if len(f.replace(" ", "")) >= 5 and f.count(" ") < max_ngram}
        self.glued: dict[str, str] = {}
        for f in sorted(self.forms):
            self.glued.setdefault(f.replace(" ", ""), f)
        self.glued_keys = list(self.glued)

    def _best(self, words: list[str]) -> tuple[str, float] | None:
        joined = " ".join(words)
        if joined in self.forms:
            return None
        glued = joined.replace(" ", "")
        # one- and two-letter words ("a", "of") count as common: "a typical" stays as said
        all_common = all(w in self.common or len(w) <= 2 for w in words)
        if len(words) == 1 and all_common:
            return None
        sub_spans = {" ".join(words[a:b]) for a in range(len(words)) for b in range(a + 1, len(words) + 1)}
        hits = process.extract(glued, self.glued_keys, scorer=fuzz.ratio, score_cutoff=self.min_score - 15, limit=5)
        for key, score, _ in hits:
            form = self.glued[key]
            if key[0] != glued[0] or abs(len(key) - len(glued)) > 3 or form in sub_spans:
                continue  # different onset, too different in length, or merely dropping words
            if (key.startswith(glued) or glued.startswith(key)) and abs(len(key) - len(glued)) <= 2:
                continue  # only an inflection apart ("spindle" / "spindled"): the word as said is fine
            if len(words) > 1 and any(w in self.vocab.by_form and w not in form.split() for w in words):
                # A word that already is a term must survive its window's correction: "carcinoma
                # is" -> "carcinomas" or "nuclei are counter(stained)" -> "nuclear contour" would
                # rewrite a correct word; "collagenous trauma" -> "collagenous stroma" keeps it.
                continue
            if all_common:
                fw = form.split()
                if len(fw) != len(words) or not set(fw) & set(words):
                    continue
            same_sound = jellyfish.metaphone(glued) == jellyfish.metaphone(key)
            if score >= self.min_score and (score >= 97 or _phonetic_similarity(glued, key) >= self.min_phonetic):
                return form, score
            # A spelling further off is still the term when it sounds exactly the same:
            # "lympho sites" and "lymphocytes" share the metaphone key LMFSTS.
            if same_sound and len(glued) >= 6:
                return form, score
        return None

    def correct(self, text: str) -> tuple[str, list[tuple[str, str]]]:
        """(corrected text, [(noisy, corrected), ...])."""
        tokens = _TOKEN.findall(text)
        parts = [_EDGE_PUNCT.match(t).groups() for t in tokens]  # (lead, core, trail)
        norm = [normalize_form(p[1]) for p in parts]
        out: list[str] = []
        fixes: list[tuple[str, str]] = []
        i = 0
        while i < len(tokens):
            best: Correction | None = None
            protected = 0
            for n in range(min(self.max_ngram, len(tokens) - i), 0, -1):
                window = norm[i:i + n]
                # never glue across a sentence or clause boundary
                if any(not w for w in window) or any(parts[j][2] for j in range(i, i + n - 1)):
                    continue
                if " ".join(window) in self.forms:
                    protected = n  # already a correct term: keep it whole
                    break
                found = self._best(window)
                if found and (best is None or found[1] > best.score):
                    best = Correction(i, n, " ".join(tokens[i:i + n]), found[0], found[1])
            if protected and (best is None or best.n <= protected):
                out.extend(tokens[i:i + protected])
                i += protected
                continue
            if best is None:
                out.append(tokens[i])
                i += 1
                continue
            lead, trail = parts[i][0], parts[i + best.n - 1][2]
            replacement = best.corrected
            if parts[i][1][:1].isupper():
                replacement = replacement[0].upper() + replacement[1:]
            out.append(f"{lead}{replacement}{trail}")
            fixes.append((best.noisy.strip("\"'()[].,;:!?"), best.corrected))
            i += best.n
        return " ".join(out), fixes
