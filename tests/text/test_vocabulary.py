import pytest

from quiltkit.text import vocabulary as V

DEMO_TERMS = [
    "adenocarcinoma",
    "crypts",
    "glands",
    "goblet cells",
    "nuclei",
    "mitoses",
    "necrosis",
    "lymphocytes",
    "adipocytes",
    "collagen",
    "stroma",
    "eosin",
    "haematoxylin",
    "hematoxylin",
    "pleomorphism",
    "colorectal adenocarcinoma",
    "normal colonic mucosa",
    "lymphoid tissue",
    "adipose tissue",
    "fibrous stroma",
]


def test_core_vocabulary_covers_demo_narration():
    vocab = V.core_vocabulary()
    assert len(vocab) >= 200
    assert len({c.concept_id for c in vocab.concepts}) == len(vocab)
    for term in DEMO_TERMS:
        assert vocab.lookup(term) is not None, term
    assert vocab.lookup("Mitoses").term == "mitosis"
    assert vocab.lookup("haematoxylin").concept_id == vocab.lookup("hematoxylin").concept_id


def test_malformed_row_names_file_and_line(tmp_path):
    bad = tmp_path / "v.tsv"
    bad.write_text("# header\nQK:0001\tterm\t\tgeneral\t3\nQK:0002\tonly three\tcols\n")
    with pytest.raises(V.VocabularyError, match=r"v.tsv:3: expected 5"):
        V.load_core(bad)


def test_icd10_neoplasm_chapter():
    icd = V.load_icd10_neoplasms()
    by_id = {c.concept_id: c for c in icd}
    assert "ICD10:C18" in by_id and "colon" in by_id["ICD10:C18"].term.lower()
    assert by_id["ICD10:C18"].subpathology == "gastrointestinal"
    assert all(c.concept_id[6] in "CD" for c in icd)


def test_merged_vocabulary_is_cached_and_reused(tmp_path, monkeypatch):
    vocab = V.build_vocabulary(use_hpo=False, use_icd10=True, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("vocabulary-*.json"))) == 1
    # core terms win over ontology names for the same surface form
    assert vocab.lookup("adenocarcinoma").concept_id.startswith("QK:")

    def boom():
        raise AssertionError("cache should have been used")

    monkeypatch.setattr(V, "load_icd10_neoplasms", boom)
    again = V.build_vocabulary(use_hpo=False, use_icd10=True, cache_dir=tmp_path)
    assert len(again) == len(vocab) and again.lookup("ICD10:C18") is None
    assert any(c.concept_id == "ICD10:C18" for c in again.concepts)


def test_subpathology_cues():
    assert V.subpathology_of("Malignant melanoma of skin") == "dermatopathology"
    assert V.subpathology_of("Neoplasm of the breast") == "breast"
    assert V.subpathology_of("Neoplasm") == "general"


def test_quickumls_missing_path_is_clear(tmp_path):
    with pytest.raises(V.VocabularyError, match="does not exist"):
        V.quickumls_matcher(tmp_path / "nope")


def test_hpo_neoplasm_subtree_from_bundled_obo():
    hpo = V.load_hpo_neoplasms()
    by_id = {c.concept_id: c for c in hpo}
    assert 500 < len(hpo) < 2000 and "HP:0002664" in by_id  # Neoplasm and its descendants only
    assert all(c.concept_id.startswith("HP:") and c.source == "hpo" for c in hpo)
    assert "HP:0001250" not in by_id  # Seizure is not a neoplasm
    assert sum(bool(c.umls_cuis) for c in hpo) > len(hpo) // 2
    merged = V.build_vocabulary(use_hpo=True, use_icd10=False)
    assert merged.lookup("neurofibroma").concept_id.startswith("HP:")
