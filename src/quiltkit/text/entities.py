"""Medical entities with negation and uncertainty: medspaCy target rules + ConText.

Every surface form of the vocabulary becomes a case-insensitive target rule whose category is
the canonical term, so "Mitoses" and "mitotic figures" both land on concept "mitosis". ConText
then marks each entity negated ("no evidence of necrosis") or uncertain ("possible invasion"):
a negated finding must never reach a caption's label list as present. The pipeline is built
once per process (rule compilation over thousands of forms takes seconds) and reused.
"""

from __future__ import annotations

import logging

from quiltkit.contracts import Entity
from quiltkit.text.vocabulary import Vocabulary, VocabularyError

log = logging.getLogger(__name__)
_pipelines: dict[tuple, object] = {}


def _quiet_pyrush() -> None:
    try:
        from loguru import logger

        logger.disable("PyRuSH")
    except ImportError:
        pass


def build_nlp(vocab: Vocabulary, quickumls_path: str | None = None):
    """A spaCy pipeline: tokenizer, rule sentencizer, target matcher, ConText (+ QuickUMLS)."""
    _quiet_pyrush()
    import medspacy
    from medspacy.target_matcher import TargetRule

    enable = ["medspacy_target_matcher", "medspacy_context"]
    kwargs = {}
    if quickumls_path:
        from pathlib import Path

        if not Path(quickumls_path).is_dir():
            raise VocabularyError(
                f"text.umls_quickumls_path={quickumls_path!r} does not exist; point it at a QuickUMLS index"
            )
        enable.append("medspacy_quickumls")
        kwargs["quickumls_path"] = str(quickumls_path)
    try:
        nlp = medspacy.load(medspacy_enable=enable, **kwargs)
    except LookupError as err:  # QuickUMLS wants nltk's stopword list, which it tries to download
        raise VocabularyError(
            "text.umls_quickumls_path: QuickUMLS needs the nltk 'stopwords' corpus, which is not installed "
            "(offline: copy nltk_data/corpora/stopwords into one of nltk's data paths)"
        ) from err
    # Input is already one sentence per call; spaCy's cheap rule sentencizer gives ConText its scope.
    nlp.add_pipe("sentencizer", first=True)
    rules, seen = [], set()
    for form, concept in vocab.by_form.items():
        if len(form) < 3 or form in seen or concept.weight == 0:  # weight 0: "section", "slide": not findings
            continue
        seen.add(form)
        pattern = [{"LOWER": tok} for tok in form.split()]
        rules.append(
            TargetRule(
                form,
                concept.term,
                pattern=pattern,
                metadata={"concept_id": concept.concept_id, "subpathology": concept.subpathology},
            )
        )
    nlp.get_pipe("medspacy_target_matcher").add(rules)
    nlp.get_pipe("medspacy_context").add(_lecture_context_rules())
    return nlp


def _lecture_context_rules():
    """Phrasings lecturers use that ConText's clinical-note defaults miss ("necrosis is absent")."""
    from medspacy.context import ConTextRule

    backward_neg = [
        "is absent",
        "are absent",
        "is not seen",
        "are not seen",
        "is not present",
        "are not present",
        "is not identified",
        "are not identified",
        "is not evident",
        "are lacking",
        "is lacking",
    ]
    forward_neg = ["lack of", "lacks", "absence of", "devoid of", "free of", "rather than"]
    forward_unc = ["suspicious for", "could represent", "may represent", "concerning for", "raises the possibility of"]
    rules = [ConTextRule(p, "NEGATED_EXISTENCE", direction="BACKWARD") for p in backward_neg]
    rules += [ConTextRule(p, "NEGATED_EXISTENCE", direction="FORWARD") for p in forward_neg]
    rules += [ConTextRule(p, "POSSIBLE_EXISTENCE", direction="FORWARD") for p in forward_unc]
    return rules


def get_nlp(vocab: Vocabulary, quickumls_path: str | None = None):
    key = (id(vocab), quickumls_path)
    if key not in _pipelines:
        _pipelines[key] = build_nlp(vocab, quickumls_path)
    return _pipelines[key]


def extract_entities(nlp, vocab: Vocabulary, text: str) -> list[Entity]:
    doc = nlp(text)
    out = []
    for ent in doc.ents:
        concept = vocab.by_form.get(" ".join(t.lower_ for t in ent)) or vocab.lookup(ent.label_)
        cui = None
        matches = getattr(ent._, "umls_matches", None) if ent.has_extension("umls_matches") else None
        if matches:  # QuickUMLS entity: its best UMLS match gives the CUI
            cui = max(matches, key=lambda m: m.similarity).cui
        out.append(
            Entity(
                text=ent.text,
                label=concept.term if concept else ent.label_,
                concept_id=cui or (concept.concept_id if concept else None),
                subpathology=concept.subpathology if concept else None,
                negated=bool(ent._.is_negated),
                uncertain=bool(ent._.is_uncertain),
                start_char=ent.start_char,
                end_char=ent.end_char,
            )
        )
    return out
