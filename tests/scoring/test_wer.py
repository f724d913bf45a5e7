import pytest

from quiltkit.contracts import Entity, GtSentence, Sentence
from quiltkit.scoring.wer import negation_accuracy, normalize_text, number_to_words, term_recall, word_error_rate
from quiltkit.text.vocabulary import core_vocabulary


def test_normalisation():
    assert (
        normalize_text("Haematoxylin & Eosin, 40% of 3 cells!") == "hematoxylin and eosin forty percent of three cells"
    )
    assert normalize_text("2.5-fold") == "two point five fold"
    assert number_to_words(123) == "one hundred twenty three"


def test_wer_counts_edits_over_reference_words():
    assert word_error_rate(["There is no necrosis."], ["there is no necrosis"]) == 0.0
    assert word_error_rate(["a b c d"], ["a x c"]) == pytest.approx(0.5)
    with pytest.raises(ValueError):
        word_error_rate(["a"], [])


def test_term_recall_counts_concept_forms():
    v = core_vocabulary()
    assert term_recall(["mitosis", "necrosis", "goblet cell"], "Mitoses and goblet cells.", v) == (2, 3)
    assert term_recall(["mitosis"], "Mitoses", None) == (0, 1)


def test_negation_accuracy_uses_time_overlap():
    gt = [
        GtSentence(
            index=0, start=0, end=3, text="No necrosis.", shot_index=0, terms=["necrosis"], negated_terms=["necrosis"]
        ),
        GtSentence(
            index=1, start=3, end=6, text="No mitoses.", shot_index=0, terms=["mitosis"], negated_terms=["mitosis"]
        ),
    ]
    hyp = [
        Sentence(
            index=0,
            start=0.1,
            end=2.9,
            noisy_text="",
            corrected_text="",
            entities=[Entity(text="necrosis", label="necrosis", negated=True)],
        ),
        Sentence(
            index=1,
            start=3.1,
            end=5.8,
            noisy_text="",
            corrected_text="",
            entities=[Entity(text="mitoses", label="mitosis", negated=False)],
        ),
    ]
    assert negation_accuracy(gt, hyp, core_vocabulary()) == (1, 2)


@pytest.mark.parametrize(
    "ref,raw,corrected,terms,expected",
    [
        # "my opsy" -> "biopsy": two raw words changed, one term fixed, nothing broken
        (
            "Here we see a biopsy with atypia.",
            "Here we see a my opsy with atypia.",
            "Here we see a biopsy with atypia.",
            ["biopsy", "atypia"],
            {"changed": 2, "fixed": 1, "broken": 0},
        ),
        # a word right in raw made wrong: a false correction
        (
            "The tablet is on the table.",
            "The tablet is on the table.",
            "The tablet is on the cable.",
            [],
            {"changed": 1, "fixed": 0, "broken": 1},
        ),
        # one fix and one break in the same sentence
        (
            "No necrosis in the stroma.",
            "No necrosis in the trauma.",
            "No necrosis on the stroma.",
            ["necrosis", "stroma"],
            {"changed": 2, "fixed": 1, "broken": 1},
        ),
        # a change that neither fixes nor breaks (the raw word was wrong already)
        ("Fibrous stroma.", "Fibrous trauma.", "Fibrous drama.", ["stroma"], {"changed": 1, "fixed": 0, "broken": 0}),
        # typography only: nothing changed
        ("Goblet cells.", "goblet cells", "Goblet cells!", ["goblet cell"], {"changed": 0, "fixed": 0, "broken": 0}),
    ],
)
def test_correction_effects(ref, raw, corrected, terms, expected):
    from quiltkit.scoring.wer import correction_effects

    assert correction_effects(ref, raw, corrected, terms, core_vocabulary()) == expected


def test_correction_effects_of_empty_texts():
    from quiltkit.scoring.wer import correction_effects

    assert correction_effects("Biopsy.", "", "", ["biopsy"]) == {"changed": 0, "fixed": 0, "broken": 0}
    assert correction_effects("Biopsy.", "", "biopsy", ["biopsy"]) == {"changed": 1, "fixed": 1, "broken": 0}
    assert correction_effects("Biopsy.", "biopsy", "", ["biopsy"]) == {"changed": 1, "fixed": 0, "broken": 1}
