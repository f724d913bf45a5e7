"""What the lecturer says: varied pathology sentences with known roles, terms and negations.

Quilt's text side has to separate ROI sentences (they describe the picture on screen: "here we
see crowded atypical glands") from general medical statements (true regardless of the picture:
"adenocarcinoma is the most common colorectal malignancy") and must not pair a negated finding
as present. So every sentence is built from a small grammar whose choices are random but whose
meaning is recorded: role, the vocabulary terms spoken, and the terms spoken as absent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from quiltkit.demo.tissue_classes import CLASS_INFO
from quiltkit.io import read_yaml_tables, string_list

# The sentence tables are data: data/narration.yaml, read once here.
NARRATION_FILE = Path(__file__).parent / "data" / "narration.yaml"
_SENTENCE_TABLES = (
    "roi_templates",
    "pointer_templates",
    "neg_templates",
    "medical_templates",
    "repeat_templates",
    "chatter",
)


def _load_tables(path: Path) -> dict:
    """The tables of data/narration.yaml: each sentence table a list of strings, mag_words a
    mapping of magnification to a tuple of strings."""
    doc = read_yaml_tables(path, ("mag_words", *_SENTENCE_TABLES), "the narration tables")
    mag = doc["mag_words"]
    if not isinstance(mag, dict) or sorted(mag) != ["high", "low", "medium"]:
        raise ValueError(f"{path}: mag_words must map exactly low, medium and high to word lists")
    out = {k: string_list(path, k, doc[k]) for k in _SENTENCE_TABLES}
    out["mag_words"] = {m: tuple(string_list(path, f"mag_words.{m}", words)) for m, words in mag.items()}
    return out


_TABLES = _load_tables(NARRATION_FILE)
MAG_WORDS: dict[str, tuple[str, ...]] = _TABLES["mag_words"]
ROI_TEMPLATES: list[str] = _TABLES["roi_templates"]
POINTER_TEMPLATES: list[str] = _TABLES["pointer_templates"]
NEG_TEMPLATES: list[str] = _TABLES["neg_templates"]
MEDICAL_TEMPLATES: list[str] = _TABLES["medical_templates"]
REPEAT_TEMPLATES: list[str] = _TABLES["repeat_templates"]
CHATTER: list[str] = _TABLES["chatter"]


@dataclass
class Line:
    text: str
    role: str = "other"  # roi | medical | other
    terms: list[str] = field(default_factory=list)
    negated_terms: list[str] = field(default_factory=list)


def _pick(rng: np.random.Generator, seq):
    return seq[int(rng.integers(0, len(seq)))]


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _terms_in(text: str, tissue_class: str | None) -> list[str]:
    """Vocabulary terms that literally occur in the sentence (plus the class when named)."""
    low = text.lower()
    found = []
    for name, info in CLASS_INFO.items():
        if any(s.lower() in low for s in info.synonyms) or name in low:
            found.append(name)
        for t in info.terms:
            if t in low and t not in found:
                found.append(t)
    for neg in NEGATABLE:
        if neg in low and neg not in found:
            found.append(neg)
    # "colonic mucosa" inside "normal colonic mucosa" is one mention, recorded by its longer form
    return [t for t in found if not any(t != u and t in u and u in low for u in found)]


NEGATABLE = sorted({a for info in CLASS_INFO.values() for a in info.absent})


def histology_lines(
    rng: np.random.Generator,
    tissue_class: str | None,
    magnification: str | None,
    pointer: bool,
    repeat: bool,
    max_lines: int,
    label: str | None = None,
    force_negation: bool = False,
) -> list[Line]:
    """1..max_lines sentences for one histology shot: ROI first, then maybe a negation or fact."""
    lines: list[Line] = []
    if tissue_class is None:  # a package image: real H&E/IHC, not one of our classes
        what = "immunohistochemistry slide" if label and "IHC" in label else "H and E section"
        opts = [
            f"This is a real {what} from a published dataset.",
            f"Now we look at an actual {what} scanned from a glass slide.",
            f"Here we see an {what} with real cellular detail.",
        ]
        lines.append(Line(_pick(rng, opts), "roi"))
        if max_lines > 1 and "immuno" in what:
            lines.append(
                Line(
                    "Brown staining marks the cells that express the antigen, and the nuclei are counterstained blue.",
                    "medical",
                    ["immunohistochemistry"],
                )
            )
        elif max_lines > 1:
            lines.append(
                Line(
                    "Hematoxylin stains the nuclei purple and eosin stains the cytoplasm and stroma pink.",
                    "medical",
                    ["hematoxylin", "eosin"],
                )
            )
        for ln in lines:
            ln.terms = ln.terms or _terms_in(ln.text, None)
        return lines[:max_lines]
    info = CLASS_INFO[tissue_class]
    mag = _pick(rng, MAG_WORDS[magnification or "medium"])
    syn = _pick(rng, info.synonyms)
    if repeat:
        lines.append(Line(_pick(rng, REPEAT_TEMPLATES).format(syn=syn), "roi"))
    tmpl = _pick(rng, POINTER_TEMPLATES) if pointer and rng.random() < 0.7 else _pick(rng, ROI_TEMPLATES)
    lines.append(Line(tmpl.format(feature=_pick(rng, info.features), mag=mag, syn=syn), "roi"))
    # The second sentence is the one most likely to survive when the shot is short, so it is a
    # negation or a general fact (the cases the text side must handle); chatter comes later.
    extras = ["neg", "fact", "roi2", "chat"]
    while len(lines) < max_lines:
        second = len(lines) == 1 or (repeat and len(lines) == 2)
        weights = np.array([0.45, 0.4, 0.15, 0.0]) if second else np.array([0.3, 0.3, 0.2, 0.2])
        kind = "neg" if (force_negation and second) else extras[int(rng.choice(len(extras), p=weights / weights.sum()))]
        if kind == "neg" and info.absent:
            absent = _pick(rng, info.absent)
            lines.append(Line(_pick(rng, NEG_TEMPLATES).format(absent=absent), "roi", negated_terms=[absent]))
        elif kind == "fact":
            lines.append(Line(_pick(rng, MEDICAL_TEMPLATES).format(fact=_pick(rng, info.facts)), "medical"))
        elif kind == "roi2":
            lines.append(
                Line(
                    _cap(_pick(rng, ["we can also see ", "there are also ", "in addition, note the "]))
                    + _pick(rng, info.features)
                    + ".",
                    "roi",
                )
            )
        else:
            lines.append(Line(_pick(rng, CHATTER), "other"))
    for ln in lines:
        ln.text = _cap(ln.text)
        ln.terms = [t for t in _terms_in(ln.text, tissue_class) if t not in ln.negated_terms]
    return lines


def title_lines(rng, topic: str) -> list[Line]:
    opts = [
        f"Welcome to this lecture on {topic}.",
        f"Hello everyone, today we talk about {topic}.",
        f"In this session we review {topic}.",
    ]
    return [Line(_pick(rng, opts), "other")]


def presenter_lines(rng, name: str) -> list[Line]:
    opts = [
        f"My name is {name} and I am a gastrointestinal pathologist.",
        f"I am {name}, and I will walk you through some slides.",
        f"I'm {name}; let's look at some histology together.",
    ]
    return [Line(_pick(rng, opts), "other")]


def presenter_back_lines(rng) -> list[Line]:
    opts = [
        "So what have we learned from these images?",
        "Let me pause here for a moment before we finish.",
        "I hope these examples were helpful.",
    ]
    return [Line(_pick(rng, opts), "other")]


def slide_lines(rng, classes: list[str]) -> list[Line]:
    c = _pick(rng, classes)
    info = CLASS_INFO[c]
    out = [
        Line(
            _pick(
                rng,
                [
                    "Our goal today is to recognize the main patterns in colon biopsies.",
                    "First, a few learning objectives.",
                    "We will compare benign and malignant patterns.",
                ],
            ),
            "other",
        )
    ]
    out.append(Line(_cap(_pick(rng, MEDICAL_TEMPLATES).format(fact=_pick(rng, info.facts))), "medical"))
    for ln in out:
        ln.terms = _terms_in(ln.text, None)
    return out


def summary_lines(rng) -> list[Line]:
    return [
        Line(
            _pick(
                rng,
                [
                    "To summarize, always look at architecture first and cytology second.",
                    "That brings us to the end of this lecture, thank you.",
                    "In summary, low power architecture guides the diagnosis.",
                ],
            ),
            "other",
        )
    ]
