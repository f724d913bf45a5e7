"""RAKE keywords (Rose et al. 2010), implemented here so nothing needs an nltk download.

Candidate phrases are the runs of words between stopwords and punctuation; each word scores
degree/frequency over the candidates (words that appear in long phrases score higher), and a
phrase scores the sum of its words. Good enough to summarise what a chunk of lecture is about.

Two granularities use it: the text stage summarises a whole video (TextAnalysis.keywords), and
the pairs stage gives every pair the keywords of its own narration (PairRecord.keywords), so a
caption's keywords say what *that* image was described with, not what the lecture was about.
"""

from __future__ import annotations

import re
from collections import defaultdict

STOPWORDS = frozenset(
    """
a about above after again against all also am an and any are as at be because been before being below between
both but by can could did do does doing down during each few for from further had has have having he her here
hers herself him himself his how i if in into is it its itself just let me more most my myself no nor not now of
off on once only or other our ours ourselves out over own really same see seen she should so some such than that
the their theirs them themselves then there these they this those through to too under until up very was we were
what when where which while who whom why will with would you your yours yourself yourselves notice look looking
show shows shown showing can like well okay ok so um uh one two three many much lot lots quite rather thing things
field case cases example typical typically usually often here's there's it's that's we're you're let's going go
around across along among amongst within without toward towards upon onto near via per throughout beside besides
versus whether may might must shall
""".split()
)
# The last two lines are prepositions and modals from the SMART list the RAKE paper used. They
# matter most for a one-sentence chunk: "macrovesicular steatosis around central veins" would
# otherwise be one five-word run, longer than max_words (see _fit below).

# The default of text.keywords_per_chunk (config.TextParams), for callers that get no params.
KEYWORDS_PER_CHUNK = 5

_SPLIT = re.compile(r"[.,;:!?()\[\]\"]|\s-\s")
_WORD = re.compile(r"[a-zA-Z][a-zA-Z'-]*")


def candidate_phrases(text: str) -> list[list[str]]:
    phrases = []
    for chunk in _SPLIT.split(text.lower()):
        current: list[str] = []
        for w in _WORD.findall(chunk):
            if w in STOPWORDS or len(w) < 2:
                if current:
                    phrases.append(current)
                current = []
            else:
                current.append(w)
        if current:
            phrases.append(current)
    return phrases


def _fit(phrase: list[str], max_words: int) -> list[list[str]]:
    """A run longer than max_words, cut into the fewest near-equal pieces that fit.

    Classic RAKE drops such a run. Over a whole lecture that costs little, but a chunk is often a
    single sentence whose content is that one run ("ulcerative colitis causes crypt abscesses"),
    and dropping it leaves the chunk with no keywords at all."""
    if len(phrase) <= max_words:
        return [phrase]
    n = -(-len(phrase) // max_words)
    size, extra = divmod(len(phrase), n)
    out, i = [], 0
    for k in range(n):
        j = i + size + (k < extra)
        out.append(phrase[i:j])
        i = j
    return out


def rake(text: str, top_k: int = 5, max_words: int = 4) -> list[str]:
    phrases = [piece for p in candidate_phrases(text) for piece in _fit(p, max_words)]
    freq: dict[str, int] = defaultdict(int)
    degree: dict[str, int] = defaultdict(int)
    for p in phrases:
        for w in p:
            freq[w] += 1
            degree[w] += len(p)
    scores: dict[str, float] = {}
    for p in phrases:
        key = " ".join(p)
        scores[key] = sum(degree[w] / freq[w] for w in p)
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    return [k for k, _ in ranked[:top_k]]
