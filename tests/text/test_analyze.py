from quiltkit.config import TextParams
from quiltkit.contracts import Segment, TextAnalysis, Transcript, Word
from quiltkit.text.analyze import analyze_transcript
from quiltkit.text.stage_run import run_text
from quiltkit.text.vocabulary import core_vocabulary


def _transcript(vid, texts, status="ok"):
    segs, t = [], 0.0
    for text in texts:
        words = []
        for w in text.split():
            words.append(Word(start=round(t, 2), end=round(t + 0.3, 2), word=" " + w))
            t += 0.4
        segs.append(Segment(start=words[0].start, end=words[-1].end, text=text, words=words))
    return Transcript(video_id=vid, status=status, segments=segs, duration=t)


NOISY = [
    "Here we see adeno car sinoma with crypts.",
    "There is no evidence of necrosis.",
    "Nemoplastic glands invade the stroma.",
]


def test_analysis_corrects_then_extracts():
    ta = analyze_transcript(_transcript("v", NOISY), core_vocabulary(), TextParams(use_hpo=False))
    s0, s1, s2 = ta.sentences
    assert s0.noisy_text == "Here we see adeno car sinoma with crypts."
    assert s0.corrected_text == "Here we see adenocarcinoma with crypts." and s0.role == "roi"
    assert ("adeno car sinoma", "adenocarcinoma") in s0.corrections
    assert {e.label for e in s0.entities} == {"adenocarcinoma", "crypt"}
    assert [(e.label, e.negated) for e in s1.entities] == [("necrosis", True)]
    assert s2.corrected_text.startswith("Neoplastic glands") and s2.role == "medical"
    assert s0.start == 0.0 and s2.end > s1.end > s0.end
    assert ta.keywords and ta.subpathology == ["gastrointestinal"]


def test_correction_off_keeps_noisy_text():
    ta = analyze_transcript(_transcript("v", NOISY[:1]), core_vocabulary(), TextParams(correction=False))
    assert ta.sentences[0].corrected_text == ta.sentences[0].noisy_text and not ta.sentences[0].corrections


def test_stage_writes_per_video_and_metrics(tmp_path):
    asr = tmp_path / "asr"
    asr.mkdir()
    _transcript("good", NOISY).write(asr / "good.json")
    Transcript(video_id="bad", status="failed", error="no audio stream").write(asr / "bad.json")
    (asr / "broken.json").write_text("[]")
    params = TextParams(use_hpo=False, vocab_cache_dir=str(tmp_path / "vcache"))
    m = run_text(params, asr, tmp_path / "text")
    assert (m["ok"], m["skipped"], m["failed"]) == (1, 1, 1)
    assert m["sentences"] == 3 and m["negated_entities"] == 1 and m["corrections"] >= 2
    assert TextAnalysis.read(tmp_path / "text" / "bad.json").status == "skipped"
    assert (tmp_path / "text" / "vocabulary.tsv").read_text().count("ICD10:") > 100
    assert list((tmp_path / "vcache").glob("vocabulary-*.json"))
    # the asr stage later redoes "bad": its newer transcript makes the text stage redo it too
    import os

    _transcript("bad", NOISY[:1]).write(asr / "bad.json")
    later = (tmp_path / "text" / "bad.json").stat().st_mtime_ns + 10**9
    os.utime(asr / "bad.json", ns=(later, later))
    m2 = run_text(params, asr, tmp_path / "text")
    assert (m2["ok"], m2["skipped"]) == (2, 0)
