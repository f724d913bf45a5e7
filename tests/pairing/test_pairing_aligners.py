from pathlib import Path

import pytest

from quiltkit.config import PairsParams
from quiltkit.contracts import Sentence
from quiltkit.pairing import pair_video
from quiltkit.pairing.pace import video_chunk_time
from quiltkit.pairing.quilt_rule import chunks
from quiltkit.scoring.pairs import combine, pair_scores
from tests.pairing.synth_lecture import frame_analysis, ground_truth, text_analysis


def _scores(aligner: str, params: PairsParams):
    fa, ta, gt = frame_analysis(), text_analysis(), ground_truth()
    files, _ = pair_video(fa, ta, params, Path("."))
    return files[aligner], combine([pair_scores(files[aligner].pairs, fa.images, ta.sentences, gt)])


def test_chunks_open_close_and_cap():
    # non-histo at 0, histo 8..28 (two keyframes), non-histo 28, histo 36, non-histo 50
    ev = [(0, False), (8, True), (20, True), (28, False), (36, True), (50, False)]
    cs = chunks(ev, chunk_time=10.0, duration=60)
    # 8..28 is 20 s long: cut at 18 and 28; 36..50 is cut at 46
    assert [(c.start, c.end) for c in cs] == [(8, 18), (18, 28), (36, 46), (46, 50)]
    # the first window reaches back pair_chunk_time; later ones never before the previous chunk's end
    assert [c.text_start for c in cs] == [0, 18, 28, 46]


def test_chunks_long_stretch_continues_in_fresh_chunks():
    # a 35 s histology scene (keyframes 0 and 35 are both histology) is cut at 30 s
    cs = chunks([(0, True), (35, True)], chunk_time=30.0, duration=40)
    assert [(c.start, c.end) for c in cs] == [(0, 30), (30, 40)]
    assert [c.text_start for c in cs] == [0, 30]
    # a histology -> non-histology change closes at once
    cs = chunks([(0, False), (5, True), (9, False), (20, True)], chunk_time=30.0, duration=22)
    assert [(c.start, c.end, c.text_start) for c in cs] == [(5, 9, 0), (20, 22, 9)]


def test_per_video_pace_is_median_histology_scene_clipped():
    fa = frame_analysis()
    # histology scenes last 12, 8 and 14 s -> median 12
    assert video_chunk_time(fa, PairsParams()) == pytest.approx(12.0)
    assert video_chunk_time(fa, PairsParams(pair_chunk_time_max=9.0)) == pytest.approx(9.0)
    assert video_chunk_time(fa, PairsParams(pair_chunk_time_mode="fixed", pair_chunk_time=7.0)) == 7.0


def test_sentence_aligner_beats_quilt_rule_on_precision():
    params = PairsParams()
    _, q = _scores("quilt", params)
    sfile, s = _scores("sentence", params)
    # The rule's reach-back window pairs the title-slide narration with histology A.
    assert q["precision"] < 0.9
    assert s["precision"] >= 0.95 and s["recall"] >= 0.9
    assert s["precision"] > q["precision"]


def test_pair_records_carry_quilt_fields():
    pf, _ = _scores("sentence", PairsParams())
    p = next(p for p in pf.pairs if p.sentence_indices == [4])
    assert p.image_id == "lec1_0" and p.aligner == "sentence" and p.source == "quilt_video"
    assert p.caption == p.corrected_text and "germinel" in p.noisy_text
    assert p.roi_text == p.caption  # an ROI sentence
    # sentence 4 negates "malignancy": that concept must not label the image
    assert p.med_umls_ids == ["C0024296"] and p.pathology == ["hematopathology"]
    assert (p.magnification, p.width, p.height) == ("medium", 64, 48)
    assert p.image_path == "outputs/frames/lec1/lec1_0.png"


def test_sentence_mostly_on_a_text_slide_stays_unpaired():
    fa, ta = frame_analysis(), text_analysis()
    # 6.15-9.15: 1.15 s on histology A's scene, 1.85 s on the title slide
    files, _ = pair_video(fa, ta, PairsParams(), Path("."))
    assert not [p for p in files["sentence"].pairs if p.sentence_indices == [2]]
    fa.scenes = []  # without scene knowledge the margin alone would have paired it
    files, _ = pair_video(fa, ta, PairsParams(min_score=0.0), Path("."))
    assert [p.image_id for p in files["sentence"].pairs if p.sentence_indices == [2]] == ["lec1_0"]


def test_crossfade_spill_goes_to_the_slide_shown():
    """A sentence spoken during the settle-in after a cut overlaps no stable interval; the
    tolerance still gives it to the image the viewer sees."""
    fa, ta = frame_analysis(), text_analysis()
    ta.sentences.append(
        Sentence(
            index=99,
            start=36.05,
            end=36.55,
            noisy_text="note the follicles here",
            corrected_text="note the follicles here",
            role="roi",
        )
    )
    files, _ = pair_video(fa, ta, PairsParams(), Path("."))
    assert [p.image_id for p in files["sentence"].pairs if p.sentence_indices == [99]] == ["lec1_2"]
    files, _ = pair_video(fa, ta, PairsParams(crossfade_tolerance=0.0), Path("."))
    assert not [p for p in files["sentence"].pairs if p.sentence_indices == [99]]


def test_roi_preferred_over_chatter_at_partial_overlap():
    fa, ta = frame_analysis(), text_analysis()
    fa.scenes = []  # no scene competes: only the score decides
    # both sentences lie half on histology B's stable interval (ends 27.4), half after it
    for idx, role in ((98, "roi"), (97, "other")):
        ta.sentences.append(
            Sentence(
                index=idx,
                start=26.4,
                end=28.4,
                noisy_text="x y z w",
                corrected_text="look at this area here",
                role=role,
            )
        )
    files, _ = pair_video(fa, ta, PairsParams(crossfade_tolerance=0.0, min_score=0.25), Path("."))
    got = {p.sentence_indices[0] for p in files["sentence"].pairs}
    assert 98 in got and 97 not in got


def test_low_histology_images_and_short_sentences_are_not_paired():
    fa, ta = frame_analysis(), text_analysis()
    fa.images[0].histology_prob = 0.2
    ta.sentences[4].corrected_text = "yes"
    files, _ = pair_video(fa, ta, PairsParams(min_words=3), Path("."))
    for pf in files.values():
        assert all(p.image_id != "lec1_0" for p in pf.pairs)
        assert all(p.sentence_indices != [4] for p in pf.pairs)


def test_mismatched_inputs_raise():
    with pytest.raises(ValueError, match="lec2"):
        pair_video(frame_analysis("lec1"), text_analysis("lec2"), PairsParams(), Path("."))


def test_spoken_magnification_picks_the_matching_frame():
    from quiltkit.pairing.sentence_aligner import spoken_magnification

    assert spoken_magnification("Now at high power we see mitoses") == "high"
    assert spoken_magnification("this is the 4x view") == "low"
    assert spoken_magnification("a lymphoid follicle") is None
    fa, ta = frame_analysis(), text_analysis()
    # two frames of one scene, overlapping in time, differing in estimated magnification
    a = fa.images[0].model_copy(update={"image_id": "lec1_lo", "magnification": "low"})
    b = fa.images[0].model_copy(update={"image_id": "lec1_hi", "magnification": "high"})
    fa.images = [a, b] + fa.images[1:]
    ta.sentences[4].corrected_text = "and at high power the germinal center is obvious"
    files, _ = pair_video(fa, ta, PairsParams(), Path("."))
    got = sorted((p.image_id, p.score) for p in files["sentence"].pairs if p.sentence_indices == [4])
    assert [g[0] for g in got] == ["lec1_hi", "lec1_lo"]  # paired with both (same scene) ...
    assert got[0][1] > got[1][1]  # ... the matching zoom scoring higher


def test_long_sentence_over_a_pan_pairs_with_every_frame_of_it():
    """A pan makes the frames stage propose an image per second; a sentence describing the slide
    overlaps each only a little, but the scene as a whole holds it."""
    fa, ta = frame_analysis(), text_analysis()
    pan = fa.images[2]  # histology C, 36.6-49.4, scene 4
    fa.images = fa.images[:2] + [
        pan.model_copy(update={"image_id": f"lec1_p{i}", "start": 37.0 + i, "end": 38.0 + i}) for i in range(12)
    ]
    ta.sentences = [s for s in ta.sentences if not 36 <= s.start < 50]
    ta.sentences.append(
        Sentence(
            index=50,
            start=37.2,
            end=48.7,
            noisy_text="a b c",
            role="roi",
            corrected_text="sheets of small round lymphocytes fill this whole field",
        )
    )
    files, _ = pair_video(fa, ta, PairsParams(), Path("."))
    got = sorted(p.image_id for p in files["sentence"].pairs if p.sentence_indices == [50])
    assert len(got) == 12 and all(g.startswith("lec1_p") for g in got)
    assert not [p for p in files["sentence"].pairs if p.sentence_indices == [50] and p.image_id == "lec1_1"]


def test_merged_sentence_across_a_cut_pairs_with_both_slides():
    fa, ta = frame_analysis(), text_analysis()
    # an ASR merge of two sentences: 4 s spoken over histology A (8-20), 4 s over B (20-28)
    ta.sentences.append(
        Sentence(
            index=60,
            start=16.0,
            end=24.0,
            noisy_text="a b c",
            role="roi",
            corrected_text="germinal centers here. and this one shows fibrous stroma",
        )
    )
    files, _ = pair_video(fa, ta, PairsParams(), Path("."))
    assert sorted(p.image_id for p in files["sentence"].pairs if p.sentence_indices == [60]) == ["lec1_0", "lec1_1"]
    # a 3 s sentence spilling 1.2 s over the cut stays on one side
    ta.sentences.append(
        Sentence(
            index=61,
            start=17.8,
            end=21.2,
            noisy_text="a b c",
            role="roi",
            corrected_text="look at the germinal centers",
        )
    )
    files, _ = pair_video(fa, ta, PairsParams(), Path("."))
    assert [p.image_id for p in files["sentence"].pairs if p.sentence_indices == [61]] == ["lec1_0"]


def test_asr_loops_and_stretched_sentences_are_not_captions():
    from quiltkit.pairing.records import unusable_reason

    def sent(text, start=0.0, end=3.0):
        return Sentence(index=0, start=start, end=end, noisy_text=text, corrected_text=text)

    assert (
        unusable_reason(sent("Adenocarcinoma, colorectal adenocarcinoma, colorectal adenocarcinoma,"), 3)
        == "repetitive"
    )
    assert unusable_reason(sent("the the the the"), 3) == "repetitive"
    assert unusable_reason(sent("fatty tissue with clear cells", 35.9, 56.7), 3) == "stretched"
    assert unusable_reason(sent("yes indeed", 0, 1), 3) == "too_short"
    ok = "Hematoxylin stains the nuclei purple and eosin stains the cytoplasm and stroma pink"
    assert unusable_reason(sent(ok, 40, 47), 3) is None  # 13 words in 7 s: a normal pace
    fa, ta = frame_analysis(), text_analysis()
    ta.sentences[4].corrected_text = "colorectal adenocarcinoma, colorectal adenocarcinoma, colorectal adenocarcinoma"
    files, info = pair_video(fa, ta, PairsParams(), Path("."))
    assert info["sentences_dropped"] == {"repetitive": 1}
    assert all(p.sentence_indices != [4] for pf in files.values() for p in pf.pairs)


def test_pair_records_magnification_from_image_and_narration():
    from quiltkit.contracts import ChunkImage, Sentence
    from quiltkit.pairing.records import make_pair

    image = ChunkImage(
        image_id="v_1",
        path="x.png",
        start=0,
        end=5,
        scene_index=1,
        method="median",
        magnification="low",
        width=64,
        height=64,
    )
    spoken = Sentence(
        index=0,
        start=1,
        end=3,
        noisy_text="At high power we see mitoses.",
        corrected_text="At high power we see mitoses.",
        role="roi",
    )
    silent = spoken.model_copy(update={"noisy_text": "Crowded glands.", "corrected_text": "Crowded glands."})
    p = make_pair("v", image, "x.png", spoken, "sentence", 1.0, [])
    assert (p.magnification, p.magnification_image, p.magnification_narration) == ("high", "low", "high")
    q = make_pair("v", image, "x.png", silent, "sentence", 1.0, [])
    assert (q.magnification, q.magnification_image, q.magnification_narration) == ("low", "low", None)
