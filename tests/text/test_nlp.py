import pytest

from quiltkit.contracts import Entity, Segment, Transcript, Word
from quiltkit.text.entities import extract_entities, get_nlp
from quiltkit.text.keywords import candidate_phrases, rake
from quiltkit.text.roles import rule_role, video_subpathology
from quiltkit.text.sentences import build_sentences
from quiltkit.text.vocabulary import core_vocabulary


@pytest.fixture(scope="module")
def nlp():
    return get_nlp(core_vocabulary())


def _labels(nlp, text):
    return {(e.label, e.negated, e.uncertain) for e in extract_entities(nlp, core_vocabulary(), text)}


def test_negation_and_uncertainty(nlp):
    assert _labels(nlp, "There is no evidence of necrosis.") == {("necrosis", True, False)}
    assert _labels(nlp, "Extensive necrosis is present.") == {("necrosis", False, False)}
    assert _labels(nlp, "Necrosis is absent.") == {("necrosis", True, False)}
    assert ("invasion", False, True) in _labels(nlp, "This is suspicious for invasion.")
    labels = _labels(nlp, "No goblet cells are seen, but mitoses are frequent.")
    assert ("goblet cell", True, False) in labels


def test_entities_map_to_canonical_concepts(nlp):
    ents = extract_entities(nlp, core_vocabulary(), "Here we see Mitoses and haematoxylin staining of lymphocytes.")
    by = {e.label: e for e in ents}
    assert set(by) >= {"mitosis", "haematoxylin", "lymphocyte"}
    assert by["mitosis"].concept_id == "QK:0010" and by["lymphocyte"].subpathology == "hematopathology"
    m = by["mitosis"]
    assert "Here we see Mitoses and haematoxylin staining of lymphocytes."[m.start_char:m.end_char] == "Mitoses"


def _transcript(text_segments):
    segs, t = [], 0.0
    for text in text_segments:
        words = []
        for w in text.split():
            words.append(Word(start=round(t, 2), end=round(t + 0.3, 2), word=" " + w))
            t += 0.4
        segs.append(Segment(start=words[0].start, end=words[-1].end, text=text, words=words))
    return Transcript(video_id="v", segments=segs)


def test_sentences_take_times_from_words_across_segments():
    tr = _transcript(["Here we see glands. There is", "no necrosis at all."])
    sents = build_sentences(tr)
    assert [s.text for s in sents] == ["Here we see glands.", "There is no necrosis at all."]
    assert sents[0].start == 0.0 and sents[0].end == pytest.approx(1.5)
    assert sents[1].start == pytest.approx(1.6) and sents[1].end == pytest.approx(3.9)


def test_rake_prefers_multiword_content_phrases():
    text = ("Colorectal adenocarcinoma shows irregular glands. The irregular glands invade the stroma. "
            "Here we see dirty necrosis.")
    assert candidate_phrases("Here we see dirty necrosis.") == [["dirty", "necrosis"]]
    kws = rake(text, top_k=3)
    assert kws[0] in ("colorectal adenocarcinoma shows irregular glands", "irregular glands invade")
    assert len(kws) == 3 and "the" not in " ".join(kws).split()


def test_roles_and_subpathology():
    e = [Entity(text="crypts", label="crypt", subpathology="gastrointestinal")]
    assert rule_role("Here we see crypts lined by goblet cells.", e) == "roi"
    assert rule_role("In this field the nuclei are enlarged.", []) == "roi"
    assert rule_role("Adenocarcinoma arises from glandular epithelium.", e) == "medical"
    assert rule_role("Thanks for watching, see you next week.", []) == "other"
    gi = Entity(text="x", label="crypt", subpathology="gastrointestinal")
    gen = Entity(text="x", label="nucleus", subpathology="general")
    skin_neg = Entity(text="x", label="melanoma", subpathology="dermatopathology", negated=True)
    assert video_subpathology([[gi, gen, gen], [gi, skin_neg, skin_neg, skin_neg]]) == ["gastrointestinal"]
    assert video_subpathology([[gen]]) == ["general"] and video_subpathology([]) == []


def test_long_pause_splits_a_sentence_whisper_left_unpunctuated():
    words = [Word(start=t, end=t + 0.3, word=" " + w) for t, w in
             [(0.0, "stroma"), (0.4, "forms"), (0.8, "here"), (3.0, "let's"), (3.4, "go"), (3.8, "back.")]]
    tr = Transcript(video_id="v", segments=[Segment(start=0, end=4.1, text="", words=words)])
    sents = build_sentences(tr)
    assert [s.text for s in sents] == ["stroma forms here", "let's go back."]
    assert (sents[1].start, sents[1].end) == (3.0, pytest.approx(4.1))


def test_context_words_are_not_findings(nlp):
    assert _labels(nlp, "There is no necrosis in this section of the slide.") == {("necrosis", True, False)}


def test_quickumls_path_must_exist(tmp_path):
    from quiltkit.text.entities import build_nlp
    from quiltkit.text.vocabulary import VocabularyError

    with pytest.raises(VocabularyError, match="umls_quickumls_path"):
        build_nlp(core_vocabulary(), quickumls_path=str(tmp_path / "missing"))


def test_quickumls_sample_index_gives_cuis_or_a_clear_error():
    """medspacy_quickumls ships a 5-concept sample index: enough to exercise the UMLS path."""
    from pathlib import Path

    import quickumls

    from quiltkit.text.entities import build_nlp
    from quiltkit.text.vocabulary import VocabularyError

    site = Path(quickumls.__file__).resolve().parents[1]
    sample = site / "resources" / "en" / "quickumls" / "QuickUMLS_SAMPLE_lowercase_POSIX_unqlite"
    if not sample.is_dir():
        pytest.skip("medspacy_quickumls sample index not installed")
    try:
        import nltk

        nltk.data.find("corpora/stopwords")
        has_stopwords = True
    except LookupError:
        has_stopwords = False
    if not has_stopwords:
        with pytest.raises(VocabularyError, match="stopwords"):
            build_nlp(core_vocabulary(), quickumls_path=str(sample))
        return
    nlp = build_nlp(core_vocabulary(), quickumls_path=str(sample))
    ents = extract_entities(nlp, core_vocabulary(), "Decreased dipyridamole content found in lung specimens.")
    assert any(e.concept_id and e.concept_id.startswith("C") for e in ents)
