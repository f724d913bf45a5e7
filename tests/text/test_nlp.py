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
    assert "Here we see Mitoses and haematoxylin staining of lymphocytes."[m.start_char : m.end_char] == "Mitoses"


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
    text = (
        "Colorectal adenocarcinoma shows irregular glands. The irregular glands invade the stroma. "
        "Here we see dirty necrosis."
    )
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
    words = [
        Word(start=t, end=t + 0.3, word=" " + w)
        for t, w in [(0.0, "stroma"), (0.4, "forms"), (0.8, "here"), (3.0, "let's"), (3.4, "go"), (3.8, "back.")]
    ]
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


def _quickumls_sample():
    """The 5-concept sample index that medspacy_quickumls ships: a locked dependency, so its
    absence is a broken install (an assertion), not a reason to skip."""
    from pathlib import Path

    import quickumls

    site = Path(quickumls.__file__).resolve().parents[1]
    sample = site / "resources" / "en" / "quickumls" / "QuickUMLS_SAMPLE_lowercase_POSIX_unqlite"
    assert sample.is_dir(), f"{sample} missing: medspacy_quickumls is in requirements.lock, reinstall the venv"
    return sample


def _fresh_stopwords(monkeypatch, data_dir):
    """nltk's stopwords loader, unloaded and pointed at data_dir only. The loader replaces itself
    once loaded, so each test gets a fresh one; nltk.download is the network boundary no machine
    here reaches, so it is replaced by a refusal (QuickUMLS calls it when the corpus is missing)."""
    import nltk
    from nltk.corpus.reader import WordListCorpusReader
    from nltk.corpus.util import LazyCorpusLoader

    monkeypatch.setattr(nltk.data, "path", [str(data_dir)])
    monkeypatch.setattr(
        nltk.corpus,
        "stopwords",
        LazyCorpusLoader("stopwords", WordListCorpusReader, r"(?!README|\.).*", encoding="utf8"),
    )
    monkeypatch.setattr(nltk, "download", lambda *a, **k: False)


@pytest.mark.xfail(
    strict=True,
    reason=(
        "a known gap, not a skip: the locked venv lacks unqlite, which the sample index's backend needs "
        "(QuickUMLS asserts 'unqlite ... not installed'); with unqlite installed by hand the sample index "
        "still matches no CUI in this sentence. text.umls_quickumls_path does not work yet (see the notes)"
    ),
)
def test_quickumls_sample_index_gives_cuis(tmp_path, monkeypatch):
    """The UMLS path end to end: medspaCy's QuickUMLS component on the sample index finds a CUI.
    QuickUMLS reads nltk's English stopword corpus, which nltk downloads and no machine here can;
    the test writes one in nltk's own format (one word per line under corpora/stopwords/english)
    from spaCy's English stop list, so nltk's reader and QuickUMLS's matcher run for real."""
    from spacy.lang.en.stop_words import STOP_WORDS

    from quiltkit.text.entities import build_nlp

    corpus = tmp_path / "nltk_data" / "corpora" / "stopwords"
    corpus.mkdir(parents=True)
    (corpus / "english").write_text("\n".join(sorted(STOP_WORDS)) + "\n")
    _fresh_stopwords(monkeypatch, tmp_path / "nltk_data")
    nlp = build_nlp(core_vocabulary(), quickumls_path=str(_quickumls_sample()))
    assert "medspacy_quickumls" in nlp.pipe_names
    ents = extract_entities(nlp, core_vocabulary(), "Decreased dipyridamole content found in lung specimens.")
    assert any(e.concept_id and e.concept_id.startswith("C") for e in ents)


def test_quickumls_without_nltk_stopwords_is_a_clear_error(tmp_path, monkeypatch):
    from quiltkit.text.entities import build_nlp
    from quiltkit.text.vocabulary import VocabularyError

    _fresh_stopwords(monkeypatch, tmp_path / "empty")
    with pytest.raises(VocabularyError, match="nltk 'stopwords' corpus"):
        build_nlp(core_vocabulary(), quickumls_path=str(_quickumls_sample()))
