import pytest

from quiltkit.text.correction import Corrector, common_words
from quiltkit.text.vocabulary import core_vocabulary


@pytest.fixture(scope="module")
def corrector():
    return Corrector(core_vocabulary(), min_score=88)


@pytest.mark.parametrize(
    "noisy,expected,fix",
    [
        (
            "The tumor shows adeno car sinoma here.",
            "The tumor shows adenocarcinoma here.",
            ("adeno car sinoma", "adenocarcinoma"),
        ),
        ("These are nemoplastic cells.", "These are neoplastic cells.", ("nemoplastic", "neoplastic")),
        ("We see lympho sites in the stroma.", "We see lymphocytes in the stroma.", ("lympho sites", "lymphocytes")),
        ("Plea morphism is marked.", "Pleomorphism is marked.", ("Plea morphism", "pleomorphism")),
        ("The goblet sells are many.", "The goblet cells are many.", ("goblet sells", "goblet cells")),
    ],
)
def test_fixes_misheard_terms(corrector, noisy, expected, fix):
    text, fixes = corrector.correct(noisy)
    assert text == expected
    assert fixes == [fix]


@pytest.mark.parametrize(
    "text",
    [
        "I went to the store and bought a car, it was a typical day.",
        "Notice the tablet on the table and the crib in the room.",
        "There is no evidence of necrosis, and the glands are regular.",
        "Pleomorphism and mitoses are seen.",
    ],
)
def test_leaves_common_english_and_correct_terms_alone(corrector, text):
    assert corrector.correct(text) == (text, [])


def test_common_words_list_is_loaded():
    words = common_words()
    assert len(words) > 20000 and "tablet" in words and "adenocarcinoma" not in words


def test_does_not_glue_across_punctuation(corrector):
    text, fixes = corrector.correct("It was adeno. Car sinoma.")
    assert all(noisy != "adeno. Car sinoma" for noisy, _ in fixes)


@pytest.mark.parametrize("text", ["That carcinoma is common.", "Look at the spindle nuclei."])
def test_never_reinflects_a_word_that_is_already_right(corrector, text):
    assert corrector.correct(text) == (text, [])


def test_window_with_a_correct_term_is_not_rewritten(corrector):
    text = "The nuclei are counterstained blue."
    assert corrector.correct(text) == (text, [])


def test_window_keeping_its_term_word_may_be_fixed(corrector):
    assert corrector.correct("Here is collagenous trauma.") == (
        "Here is collagenous stroma.",
        [("collagenous trauma", "collagenous stroma")],
    )


@pytest.mark.parametrize(
    "noisy,fix",
    [
        ("The myopsy shows glands.", ("myopsy", "biopsy")),  # b heard as m: same sound key
        ("The my opsy shows glands.", ("my opsy", "biopsy")),  # and split at the confusion
        ("There is cytologicated ear in the glands.", ("cytologicated ear", "cytologic atypia")),  # glued run-on
        ("Note the enlarged leomorphic nuclei.", ("leomorphic", "pleomorphic")),  # onset dropped
        ("Reactive terminal centers are seen.", ("terminal centers", "germinal centers")),  # common words, onset off
        ("It lies in the sub mucosa.", ("sub mucosa", "submucosa")),  # split across a term word
    ],
)
def test_extended_rules_fix_confusable_onsets_and_glued_words(corrector, noisy, fix):
    _, fixes = corrector.correct(noisy)
    assert fixes == [fix]
    # the earlier rules (extended=False) left these as heard
    assert Corrector(core_vocabulary(), extended=False).correct(noisy) == (noisy, [])


@pytest.mark.parametrize(
    "text",
    [
        "My ear, the mucosa and my eye.",
        "The mucosa is my favourite, and the ear is not.",
        # the earlier rules made it "lymphoid aggregates"
        "Let's go back to the lymphoid aggregate we looked at earlier.",
        "The colonic mucosa and the serosa are intact.",
        "A terminal illness and terminal ileum.",
    ],
)
def test_extended_rules_leave_common_words_alone(corrector, text):
    assert corrector.correct(text) == (text, [])


def test_sound_key_merges_confusable_onsets_only():
    from quiltkit.text.correction import sound_key

    assert sound_key("myopsy") == sound_key("biopsy") == "piopsi"
    assert sound_key("lympho sites") == sound_key("lymphocytes")
    assert sound_key("termios") != sound_key("dermis")  # a near sound is not the same sound
