"""Magnification as the lecturer says it ("at high power", "under 40x").

The frames stage estimates magnification from the image (nuclear size), which is a guess; a
spoken zoom level is what the pathologist actually used. Pairs record both, and prefer the
spoken one when the sentence has it.
"""

from __future__ import annotations

import re

# What a lecturer says about zoom, and which estimated magnification of the frame it means.
_MAGNIFICATION_WORDS = [
    ("high", re.compile(r"\b(high (power|magnification)|higher (power|magnification)|(40|60|100) ?x|oil immersion)\b")),
    (
        "low",
        re.compile(
            r"\b(low (power|magnification)|lower (power|magnification)|scanning (power|magnification)|(2|4|5) ?x)\b"
        ),
    ),
    ("medium", re.compile(r"\b(medium (power|magnification)|intermediate (power|magnification)|(10|20) ?x)\b")),
]


def spoken_magnification(text: str) -> str | None:
    t = text.lower()
    for level, rx in _MAGNIFICATION_WORDS:
        if rx.search(t):
            return level
    return None
