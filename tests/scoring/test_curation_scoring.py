from pathlib import Path

import pytest

from quiltkit.config import PairsParams
from quiltkit.contracts import FrameAnalysis, Scene, Segment, Transcript
from quiltkit.scoring.curation import score_corpus
from quiltkit.scoring.pairs import combine, image_shot, pair_scores, sentence_match
from tests.pairing.synth_lecture import frame_analysis, ground_truth, text_analysis


def _write(tmp: Path, vid: str, gt=True, frames_status="ok"):
    g = ground_truth(vid)
    if gt:
        g.write(tmp / "gt" / f"{vid}.json")
    fa = frame_analysis(vid)
    if frames_status != "ok":
        fa = FrameAnalysis(video_id=vid, status=frames_status, error="decode failed")
    fa.write(tmp / "frames" / f"{vid}.json")
    ta = text_analysis(vid)
    ta.write(tmp / "text" / f"{vid}.json")
    # ASR: the noisy text ("germinel") and one dropped sentence
    segs = [
        Segment(
            start=s.start, end=s.end, text=s.noisy_text.replace("lymphoid", "limfoid" if s.index == 5 else "lymphoid")
        )
        for s in ta.sentences[:-1]
    ]
    Transcript(video_id=vid, segments=segs).write(tmp / "asr" / f"{vid}.json")
    for d in ("gt", "frames", "text", "asr"):
        (tmp / d).mkdir(exist_ok=True)


def test_scorecard_on_synthetic_lectures(tmp_path):
    _write(tmp_path, "a")
    _write(tmp_path, "b", frames_status="failed")
    _write(tmp_path, "nogt", gt=False)
    m = score_corpus(tmp_path / "gt", tmp_path / "asr", tmp_path / "frames", tmp_path / "text", PairsParams(), tmp_path)
    assert m["videos_scored"] == 2 and m["skipped"] == {"nogt": "no ground truth"}
    # scenes and keyframes of the synthetic analysis are exact
    assert m["scene_boundary"]["f1"] == 1.0 and m["histology"]["f1"] == 1.0
    # corrected text equals the reference; the ASR text misspells and drops words
    assert m["text"]["wer"] == 0.0
    assert 0.0 < m["asr"]["wer"] < 0.3
    assert m["text"]["term_recall"] == 1.0 and m["asr"]["term_recall"] < 1.0
    # what correction did to the raw ASR: the "limfoid" terms fixed, nothing right made wrong
    c = m["text"]["corrections"]
    assert c["fixed"] > 0 and c["broken"] == 0 and c["changed"] >= c["fixed"]
    assert (c["term_recall_raw"], c["term_recall_corrected"]) == (m["asr"]["term_recall"], m["text"]["term_recall"])
    per = [m["per_video"][v]["text"]["corrections"] for v in ("a", "b")]
    assert sum(p["fixed"] for p in per) == c["fixed"] and sum(p["changed"] for p in per) == c["changed"]
    # every GT-negated "malignancy" is found negated by the text analysis
    assert m["text"]["negated_terms"] == 2 * 4 and m["text"]["negation_accuracy"] == 1.0
    # both aligners reported, ours the more precise; the frames-less video has no pair scores
    assert set(m["pairs"]) == {"quilt", "sentence"}
    assert m["pairs"]["sentence"]["precision"] > m["pairs"]["quilt"]["precision"]
    assert "pairs" not in m["per_video"]["b"] and m["per_video"]["b"]["notes"] == ["frames status failed"]


def test_scene_errors_lower_the_score(tmp_path):
    _write(tmp_path, "a")
    fa = FrameAnalysis.read(tmp_path / "frames" / "a.json")
    fa.scenes = [Scene(index=0, start=0, end=30), Scene(index=1, start=30, end=60)]  # one false, most missed
    fa.write(tmp_path / "frames" / "a.json")
    m = score_corpus(tmp_path / "gt", tmp_path / "asr", tmp_path / "frames", tmp_path / "text", PairsParams(), tmp_path)
    assert m["scene_boundary"]["tp"] == 0 and m["scene_boundary"]["f1"] == 0.0


def test_pair_matching_rules():
    gt, fa, ta = ground_truth(), frame_analysis(), text_analysis()
    assert [image_shot(im, gt) for im in fa.images] == [1, 2, 4]
    im = fa.images[0].model_copy(update={"start": 6.0, "end": 9.0})  # mostly on the title shot
    assert image_shot(im, gt) == 0
    # a sentence with drifted times still maps to its GT sentence
    s = ta.sentences[5].model_copy(update={"start": 15.9, "end": 18.9})
    assert sentence_match(s, gt) == 5
    # a pair is correct only if its (shot, sentence) is expected; recall counts distinct hits
    from quiltkit.pairing.records import make_pair

    right = make_pair("lec1", fa.images[0], "x", ta.sentences[4], "t", 1.0, [])
    wrong = make_pair("lec1", fa.images[1], "x", ta.sentences[4], "t", 1.0, [])
    c = combine([pair_scores([right, right, wrong], fa.images, ta.sentences, gt)])
    assert c["pairs"] == 3 and c["correct"] == 2 and c["expected_hit"] == 1
    assert c["precision"] == pytest.approx(2 / 3, abs=1e-3)


def test_merged_asr_sentence_maps_to_both_gt_sentences():
    from quiltkit.contracts import Sentence
    from quiltkit.scoring.pairs import sentence_matches

    gt, fa = ground_truth(), frame_analysis()
    a, b = gt.sentences[4], gt.sentences[5]
    merged = Sentence(index=0, start=a.start + 0.1, end=b.end - 0.1, noisy_text="", corrected_text=f"{a.text} {b.text}")
    assert sentence_matches(merged, gt) == [4, 5]
    from quiltkit.pairing.records import make_pair

    c = combine([pair_scores([make_pair("lec1", fa.images[0], "x", merged, "t", 1.0, [])], fa.images, [merged], gt)])
    assert c["correct"] == 1 and c["expected_hit"] == 2
    # a sentence merely touching a neighbour keeps its single match
    one = Sentence(index=9, start=a.start, end=a.end + 0.4, noisy_text="", corrected_text=a.text)
    assert sentence_matches(one, gt) == [4]


def test_corpus_without_ground_truth_says_so(tmp_path):
    """A researcher's own lectures have no ground truth: the scorecard says that in words and
    scores nothing, rather than scoring their outputs against the demo's truth."""
    _write(tmp_path, "a")
    m = score_corpus(
        tmp_path / "gt",
        tmp_path / "asr",
        tmp_path / "frames",
        tmp_path / "text",
        PairsParams(),
        tmp_path,
        videos=["mine_1", "mine_2"],
    )
    assert m["videos_scored"] == 0 and m["ground_truth"].startswith("none:") and "2 videos" in m["ground_truth"]
    assert "histology" not in m and "scene_boundary" not in m
    # the corpus's listed videos only: ground truth of a video not in the corpus is not scored
    m = score_corpus(
        tmp_path / "gt",
        tmp_path / "asr",
        tmp_path / "frames",
        tmp_path / "text",
        PairsParams(),
        tmp_path,
        videos=["a", "mine_1"],
    )
    assert m["videos_scored"] == 1 and m["skipped"] == {"mine_1": "no ground truth"}
