"""RAKE keywords per chunk: every pair carries keywords of its *own* narration, not the video's.

The lecture is the synthetic one of synth_lecture (three histology shots: 8-20, 20-28, 36-50 s),
narrated with one distinct topic per shot, so the keywords of two chunks must differ and each
must be findable in the text it was computed from.
"""

from quiltkit.config import PairsParams
from quiltkit.contracts import Entity, PairsFile, Sentence, TextAnalysis
from quiltkit.execution.context import Execution
from quiltkit.pairing.align import pair_video
from quiltkit.pairing.stage_run import run_pairs
from quiltkit.text.keywords import rake
from tests.pairing.synth_lecture import frame_analysis

TOPICS = [  # (start, end, role, text): one per histology shot, then a closing remark on no image
    (9.0, 13.0, "roi", "Here we see colonic crypts lined by abundant goblet cells."),
    (13.5, 18.0, "medical", "Ulcerative colitis causes crypt abscesses with neutrophils."),
    (21.0, 26.0, "roi", "These hepatocytes show macrovesicular steatosis around central veins."),
    (37.0, 42.0, "roi", "Notice the keratin pearls of invasive squamous cell carcinoma."),
    (52.0, 56.0, "other", "Thank you for listening to this lecture today."),
]


def _text(vid: str) -> TextAnalysis:
    sents = [
        Sentence(
            index=i,
            start=a,
            end=b,
            noisy_text=t,
            corrected_text=t,
            role=r,
            entities=[Entity(text="x", label="x", concept_id=f"C{i}")] if r != "other" else [],
        )
        for i, (a, b, r, t) in enumerate(TOPICS)
    ]
    full = " ".join(t for *_, t in TOPICS)
    return TextAnalysis(video_id=vid, sentences=sents, keywords=rake(full, top_k=5))


def test_each_pair_gets_keywords_of_its_own_text(tmp_path):
    files, _ = pair_video(frame_analysis("kv"), _text("kv"), PairsParams(), tmp_path)
    for aligner, pf in files.items():
        assert pf.pairs, aligner
        for p in pf.pairs:
            assert p.keywords == rake(p.caption, top_k=5) and p.keywords, (aligner, p.pair_id)
            # every word of every keyword is a word of this pair's caption
            words = set(p.caption.lower().replace(".", " ").replace(",", " ").split())
            assert all(set(k.split()) <= words for k in p.keywords), (p.keywords, p.caption)
    # the sentence aligner pairs each topic with its own shot: the chunks' keywords are disjoint
    by_sentence = {p.sentence_indices[0]: set(p.keywords) for p in files["sentence"].pairs}
    assert set(by_sentence) == {0, 1, 2, 3}  # the "other" remark is on no histology image
    assert "abundant goblet cells" in by_sentence[0] and "macrovesicular steatosis" in by_sentence[2]
    assert "invasive squamous cell carcinoma" in by_sentence[3]
    # a run longer than RAKE's four words is cut, not dropped: this chunk keeps its content
    assert {"ulcerative colitis causes", "crypt abscesses"} <= by_sentence[1]
    for i in by_sentence:
        for j in by_sentence:
            if i < j:
                assert not by_sentence[i] & by_sentence[j], (i, j)


def test_stage_writes_chunk_keywords_and_keeps_video_keywords(tmp_path):
    fr, tx, out = tmp_path / "frames", tmp_path / "text", tmp_path / "pairs"
    frame_analysis("kv", tmp_path, write_images=True).write(fr / "kv.json")
    text = _text("kv")
    text.write(tx / "kv.json")
    run_pairs(PairsParams(), fr, tx, out, Execution(root=tmp_path), keywords_per_chunk=2)
    pf = PairsFile.read(out / "kv.json")
    assert pf.pairs and all(p.keywords == rake(p.caption, top_k=2) and len(p.keywords) == 2 for p in pf.pairs)
    # video keywords stay in the text analysis, and they are not what the chunks carry
    assert TextAnalysis.read(tx / "kv.json").keywords == text.keywords and len(text.keywords) == 5
    assert any(set(p.keywords) != set(text.keywords[:2]) for p in pf.pairs)
    # 0 turns chunk keywords off (into a fresh dir: the stage skips finished videos)
    run_pairs(PairsParams(), fr, tx, tmp_path / "pairs0", Execution(root=tmp_path), keywords_per_chunk=0)
    assert all(p.keywords == [] for p in PairsFile.read(tmp_path / "pairs0" / "kv.json").pairs)
