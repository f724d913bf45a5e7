"""What a sentence is for: ROI text, medical text, or neither.

Quilt separates ROI text (what is visible on screen right now: "here we see", "these cells",
"in this field", "notice the") from medical text (general statements: "adenocarcinoma arises
from glandular epithelium"). ROI text describes the image it is paired with; medical text
describes the disease. Rules first (deictic cues decide ROI; a vocabulary entity without them
makes it medical); an LLM, when configured, relabels with the same three labels.
"""

from __future__ import annotations

import re
from collections import Counter

from quiltkit.contracts import Entity

ROI_CUES = re.compile(
    r"\b(here (we|you) (can )?(see|have|notice)|(we|you) (can )?(also )?see (here|that|these|this|the|an?)\b"
    r"|these (cells|glands|nuclei|structures|areas?|crypts|are)"
    r"|this (field|area|region|image|slide|section|cell|gland|one)|in this (field|area|region|image|view|slide|section)"
    r"|notice (the|these|how)|look at (the|these|this)|note (the|these|how)|on the (left|right)|at the (top|bottom)"
    r"|in the (center|centre|middle) of|(at|under) (high|low|medium|higher|scanning|intermediate) (power|magnification)"
    r"|zoom(ing)? in|arrow|pointer|cursor|right here|point out|appreciate|on this (slide|side)|the image shows"
    r"|there are also|in addition, note|same field|earlier image|go back to|(do not|don't) see any"
    r"|here\.$|this is (an? )?\w+ \w+,)",
    re.IGNORECASE,
)
# Lecture logistics and chatter: greetings, names, goals, summaries, moving on.
OTHER_CUES = re.compile(
    r"\b(welcome|hello|my name is|i am dr|i'?m dr|i am doctor|i'?m doctor|today|this session|this lecture"
    r"|learning objectives?"
    r"|our goal|move on|next image|come back to|for the exam|take a (moment|closer look)|to summari[sz]e|thank(s| you)"
    r"|walk you through|let'?s look at some)\b",
    re.IGNORECASE,
)


def rule_role(text: str, entities: list[Entity]) -> str:
    """Deictic cues make ROI text; logistics cues make "other" (even if an organ is named, as in
    "our goal today is to recognise patterns in colon biopsies"); any vocabulary entity left makes
    medical text."""
    roi, other = ROI_CUES.search(text), OTHER_CUES.search(text)
    if other and not (roi and entities):
        return "other"
    if roi:
        return "roi"
    if entities:
        return "medical"
    return "other"


def video_subpathology(sentences_entities: list[list[Entity]], min_share: float = 0.2) -> list[str]:
    """Sub-pathology labels for a video: the majority label over its non-negated entities, plus
    any other specific label with at least `min_share` of them. "general" counts only when
    nothing more specific is said."""
    counts = Counter(e.subpathology for ents in sentences_entities for e in ents if e.subpathology and not e.negated)
    specific = Counter({k: v for k, v in counts.items() if k != "general"})
    if not specific:
        return ["general"] if counts else []
    total = sum(specific.values())
    top = specific.most_common()
    return [top[0][0]] + [k for k, v in top[1:] if v / total >= min_share]
