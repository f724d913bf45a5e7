"""RAKE keywords (Rose et al. 2010), implemented here so nothing needs an nltk download.

Candidate phrases are the runs of words between stopwords and punctuation; each word scores
degree/frequency over the candidates (words that appear in long phrases score higher), and a
phrase scores the sum of its words. Good enough to summarise what a chunk of lecture is about.
"""
from __future__ import annotations

import re
from collections import defaultdict

STOPWORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before being below between
both but by can could did do does doing down during each few for from further had has have having he her here
hers herself him himself his how i if in into is it its itself just let me more most my myself no nor not now of
off on once only or other our ours ourselves out over own really same see seen she should so some such than that
the their theirs them themselves then there these they this those through to too under until up very was we were
what when where which while who whom why will with would you your yours yourself yourselves notice look looking
show shows shown showing can like well okay ok so um uh one two three many much lot lots quite rather thing things
field case cases example typical typically usually often here's there's it's that's we're you're let's going go
""".split())

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


def rake(text: str, top_k: int = 5, max_words: int = 4) -> list[str]:
    phrases = [p for p in candidate_phrases(text) if len(p) <= max_words]
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
