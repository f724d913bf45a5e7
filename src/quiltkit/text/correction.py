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

The extended rules (Corrector(extended=True), the default; extended=False is the corrector as it
was before them, kept for comparison in benchmarks/correction_bench.py) add what espeak-voiced
narration showed tiny.en doing, under the same guards:
- sound keys (sound_key): a spelling normalised for sound ("ph" -> "f", soft c -> "s", "y" ->
  "i", doubled letters once) whose onset stands for its class of confusable consonants (b/m/p,
  d/t, g/k, f/v): "myopsy" and "my opsy" both sound like "biopsy" (key "piopsi");
- an onset the ASR dropped ("leomorphic" -> "pleomorphic"), a split that glues back to exactly
  a term even across a term word ("sub mucosa" -> "submucosa"), and common-word n-grams whose
  odd word differs from the term's word in its first letter only ("terminal centers" ->
  "germinal centers");
- a garbled word that starts with the first word of a two- or three-word term and runs on into
  the next ("cytologicated ear" -> "cytologic atypia");
- and one more guard: a window that already holds a form of the candidate's concept is not
  rewritten into another form of it ("lymphoid aggregate we" stays; the earlier rules made it "lymphoid
  aggregates", dropping "we").
"""

from __future__ import annotations

import os
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


_SOUND_SPELLING = [
    (r"ph", "f"),
    (r"ck", "k"),
    (r"c(?=[eiy])", "s"),
    (r"g(?=[eiy])", "j"),
    (r"[cq]", "k"),
    (r"x", "ks"),
    (r"z", "s"),
    (r"(?<=.)y", "i"),
    (r"(.)\1+", r"\1"),
]
_ONSET_CLASS = {"b": "p", "m": "p", "d": "t", "g": "k", "v": "f"}  # consonants tiny.en confuses word-initially


@lru_cache(maxsize=65536)
def sound_key(text: str) -> str:
    """Letters spelled as they sound, the onset replaced by its confusable class: "myopsy" and
    "biopsy" -> "piopsi", "lympho sites" and "lymphocytes" -> "limfosites"."""
    s = re.sub(r"[^a-z]", "", text.lower())
    for pattern, repl in _SOUND_SPELLING:
        s = re.sub(pattern, repl, s)
    return _ONSET_CLASS.get(s[:1], s[:1]) + s[1:]


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
    def __init__(
        self,
        vocab: Vocabulary,
        min_score: float = 88.0,
        max_ngram: int = 3,
        min_phonetic: float = 0.85,
        extended: bool = True,
    ):
        self.min_score = min_score
        self.max_ngram = max_ngram
        self.min_phonetic = min_phonetic
        self.extended = extended
        self.common = common_words()
        self.vocab = vocab
        # Only forms worth fixing towards: 5+ letters, at most max_ngram words.
        self.forms = {f for f in vocab.by_form if len(f.replace(" ", "")) >= 5 and f.count(" ") < max_ngram}
        self.glued: dict[str, str] = {}
        for f in sorted(self.forms):
            self.glued.setdefault(f.replace(" ", ""), f)
        self.glued_keys = list(self.glued)
        self.sounds: dict[str, str] = {}  # sound_key -> glued form
        for k in self.glued_keys:
            self.sounds.setdefault(sound_key(k), k)

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
        if self.extended:
            hits = self._extended_hits(glued, hits)
        for key, score, _ in hits:
            form = self.glued[key]
            if self.extended and self._same_concept_said(words, form):
                continue
            if self.extended and self._sounds_like(words, glued, key, form, all_common, sub_spans):
                return form, score
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

    def _extended_hits(self, glued: str, hits: list) -> list:
        """The spelling hits, and the form that sounds the same (sound_key) if they lack it."""
        key = self.sounds.get(sound_key(glued))
        if key is None or any(k == key for k, _, _ in hits):
            return hits
        return sorted([*hits, (key, fuzz.ratio(glued, key), 0)], key=lambda h: -h[1])

    def _same_concept_said(self, words: list[str], form: str) -> bool:
        """The window already says the candidate: a part of it is a form of the candidate's concept
        ("lymphoid aggregate we" is not "lymphoid aggregates"), or it holds all the term's words
        and more ("colonic sub mucosa" is not "colonic mucosa")."""
        fw = form.split()
        if len(fw) < len(words) and all(f in words for f in fw):
            return True  # the term's words are all there: rewriting would only drop words
        concept, key = self.vocab.by_form.get(form), form.replace(" ", "")
        for a in range(len(words)):
            for b in range(a + 1, len(words) + 1):
                said = "".join(words[a:b])
                if (
                    b - a < len(words)
                    and self.vocab.by_form.get(" ".join(words[a:b])) is concept
                    and (key.startswith(said) or said.startswith(key))
                    and abs(len(key) - len(said)) <= 2
                ):
                    return True
        return False

    def _sounds_like(self, words: list[str], glued: str, key: str, form: str, all_common: bool, sub_spans: set) -> bool:
        """The extended rules (see the module docstring); each keeps the corrector's guards."""
        if len(glued) < 6 or abs(len(key) - len(glued)) > 3 or form in sub_spans:
            return False
        fw = form.split()
        if all_common:  # only the first letter of the odd word off: "terminal centers"
            return (
                len(fw) == len(words)
                and bool(set(fw) & set(words))
                and all(w == f or (len(w) >= 6 and w[1:] == f[1:]) for w, f in zip(words, fw))
            )
        if glued == key:
            return True  # the term split apart, even across a term word ("sub mucosa")
        if (key.startswith(glued) or glued.startswith(key)) and abs(len(key) - len(glued)) <= 2:
            return False  # an inflection
        if len(words) > 1 and any(w in self.vocab.by_form and w not in fw for w in words):
            return False  # a word that is a term survives its window's correction
        if len(glued) >= 7 and glued == key[1:]:
            return True  # the onset dropped ("leomorphic")
        ks, kk = sound_key(glued), sound_key(key)
        if ks == kk:
            return True  # sounds the same, the onset in the same class ("myopsy"); a near sound is
            # not enough: "termios" is near "dermis" and "zeros at" near "serosa"
        # A garbled word made of the term's first word and the start of its next ("cytologicated
        # ear"): the first word is no word, the run agrees past the term's first word, and the
        # whole sounds close and is as long.
        head = fw[0]
        if (
            len(words) >= 2
            and len(fw) >= 2
            and len(head) >= 6
            and words[0] not in self.common
            and words[0] not in self.vocab.by_form
            and words[0].startswith(head)
            and len(words[0]) > len(head)
        ):
            shared = len(os.path.commonprefix([glued, key]))
            return shared >= len(head) + 2 and abs(len(key) - len(glued)) <= 2 and fuzz.ratio(ks, kk) >= 75
        return False

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
                window = norm[i : i + n]
                # never glue across a sentence or clause boundary
                if any(not w for w in window) or any(parts[j][2] for j in range(i, i + n - 1)):
                    continue
                if " ".join(window) in self.forms:
                    protected = n  # already a correct term: keep it whole
                    break
                found = self._best(window)
                if found and (best is None or found[1] > best.score):
                    best = Correction(i, n, " ".join(tokens[i : i + n]), found[0], found[1])
            if protected and (best is None or best.n <= protected):
                out.extend(tokens[i : i + protected])
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
