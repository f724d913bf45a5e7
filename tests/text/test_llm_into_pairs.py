"""End to end: LLM-corrected and LLM-labelled text flows from the text stage into the pairs.

The transcript is the first 41 s of the demo lecture demo_000 as tiny.en heard it (sentence texts
and times copied from outputs/asr/demo_000.json, words spread evenly over each sentence), with its
mishearings: "behind and malignant" (benign), "namoplastic trauma" (desmoplastic stroma),
"laminopropry" (lamina propria, which the vocabulary corrector already fixes). The frames are
that lecture's first three histology images, as the frames stage proposed them.

The model behind the endpoint is the one thing no machine here can reach, so a real HTTP server
on 127.0.0.1 (tests/text/llm_server.py) answers with a fixed function: it fixes two mishearings
and labels sentences by its own rule, which disagrees with the rule labeller on "There is no
evidence of necrosis." (rules: medical; this "LLM": ROI). Everything else is the real
run_text -> run_pairs path, including the LLM client's HTTP, disk cache and key handling.
"""

import json
import logging
import re

from quiltkit.config import LlmParams, PairsParams, TextParams
from quiltkit.contracts import (
    ChunkImage,
    FrameAnalysis,
    Keyframe,
    PairsFile,
    Scene,
    Segment,
    TextAnalysis,
    Transcript,
    Word,
)
from quiltkit.execution.context import Execution
from quiltkit.pairing.stage_run import run_pairs
from quiltkit.text.roles import rule_role
from quiltkit.text.stage_run import run_text
from tests.text.llm_server import chat_server, is_role_prompt

SECRET = "sk-test-4b7e0d13-must-not-leak"
VID = "demo_000"

# (start, end, text) as ASR produced them for demo_000
SPOKEN = [
    (0.05, 3.95, "Welcome to this lecture on basic gastrointestinal pathology."),
    (5.06, 7.52, "We will compare behind and malignant patterns."),
    (10.55, 12.51, "Let's look at some histology together."),
    (14.34, 17.88, "Notice the densely packed small round blue cells in the center of the image."),
    (18.38, 19.70, "There is no evidence of necrosis."),
    (21.76, 25.38, "In this field, there are sparse land-bindle nuclei aligned with the fibers."),
    (25.78, 29.76, "It is worth knowing that namoplastic trauma forms around invasive carcinoma."),
    (30.77, 36.45, "Right here, under the cursor, there are a cellular laminopropry of a twin evenly spaced crypts."),
    (36.60, 40.99, "It is worth knowing that the laminopropry are normally contains plasma cells and lymphocytes."),
]
LLM_FIXES = {"namoplastic trauma": "desmoplastic stroma", "behind and malignant": "benign and malignant"}


def llm_role(text: str) -> str:
    """The stand-in model's labels: deictic cues and "no evidence of" (a negative finding about the
    slide on screen) are ROI; "worth knowing" statements are medical; the rest is other."""
    t = text.lower()
    if re.search(r"\b(notice|in this field|right here|no evidence of)\b", t):
        return "roi"
    if "worth knowing" in t:
        return "medical"
    return "other"


def answer(system: str, user: str) -> str:
    if is_role_prompt(system):
        return json.dumps({"role": llm_role(user)})
    for wrong, right in LLM_FIXES.items():
        user = user.replace(wrong, right)
    return user


def transcript() -> Transcript:
    words = []
    for a, b, text in SPOKEN:
        toks = text.split()
        step = (b - a) / len(toks)
        words += [
            Word(start=round(a + i * step, 3), end=round(a + (i + 0.8) * step, 3), word=" " + w)
            for i, w in enumerate(toks)
        ]
    return Transcript(
        video_id=VID,
        language="en",
        duration=42.0,
        model="tiny.en",
        segments=[Segment(start=0.05, end=40.99, text=" ".join(t for *_, t in SPOKEN), words=words)],
    )


def frames() -> FrameAnalysis:
    # scenes, keyframes and images 0-2 of outputs/frames/demo_000.json (cut at 41.75 s)
    cuts = [0.0, 4.417, 8.542, 13.208, 20.917, 30.542, 41.75]
    scenes = [Scene(index=i, start=a, end=b) for i, (a, b) in enumerate(zip(cuts, cuts[1:]))]
    kf_times = [0.5, 5.0, 9.5, 14.0, 21.5, 31.5]
    keyframes = [
        Keyframe(index=i, time=t, scene_index=i, histology_prob=0.99 if i >= 3 else 0.02, is_histology=i >= 3)
        for i, t in enumerate(kf_times)
    ]
    images = [
        ChunkImage(
            image_id=f"{VID}_{n}",
            path=f"outputs/frames/{VID}/{VID}_{n}.png",
            start=kf_times[3 + n],
            end=cuts[4 + n],
            scene_index=3 + n,
            method="keyframe",
            histology_prob=0.99,
            magnification="high",
            width=640,
            height=360,
        )
        for n in range(3)
    ]
    return FrameAnalysis(
        video_id=VID,
        fps=24.0,
        duration=41.75,
        width=640,
        height=360,
        scenes=scenes,
        keyframes=keyframes,
        images=images,
        histology_share=0.6,
    )


def _params(url: str, tmp_path) -> TextParams:
    llm = LlmParams(
        enabled=True,
        base_url=url,
        model="test-model",
        api_key_env="QK_TEST_LLM_KEY",
        cache_dir=str(tmp_path / "llm_cache"),
        backoff_seconds=0.01,
        timeout_seconds=5,
        requests_per_minute=60000,
        correct=True,
        roles=True,
    )
    # HPO and ICD-10 cost ~30 s to load and add nothing to these sentences: core vocabulary only
    return TextParams(use_hpo=False, use_icd10=False, vocab_cache_dir=str(tmp_path / "vocab"), llm=llm)


def _all_text(*dirs) -> str:
    return "".join(p.read_text(encoding="utf-8", errors="replace") for d in dirs for p in d.rglob("*") if p.is_file())


def test_llm_text_reaches_pairs_and_rerun_hits_cache(tmp_path, monkeypatch, caplog, capfd):
    monkeypatch.setenv("QK_TEST_LLM_KEY", SECRET)
    caplog.set_level(logging.DEBUG)
    asr, fr = tmp_path / "asr", tmp_path / "frames"
    transcript().write(asr / f"{VID}.json")
    frames().write(fr / f"{VID}.json")

    with chat_server(answer) as srv:
        params = _params(srv.url, tmp_path)
        m = run_text(params, asr, tmp_path / "text")
        ta = TextAnalysis.read(tmp_path / "text" / f"{VID}.json")
        n = len(ta.sentences)
        # one correction and one role request per sentence, each sent with the key
        assert n == len(SPOKEN) and m["videos_with_llm"] == 1 and ta.llm_used and ta.error is None
        assert len(srv.calls) == 2 * n and srv.auth_seen == [f"Bearer {SECRET}"] * (2 * n)
        assert sum(is_role_prompt(c["messages"][0]["content"]) for c in srv.calls) == n

        # the text stage kept the LLM's corrections (and recorded them) and its labels
        by_text = {s.corrected_text: s for s in ta.sentences}
        stroma = "It is worth knowing that desmoplastic stroma forms around invasive carcinoma."
        assert stroma in by_text and "namoplastic" in by_text[stroma].noisy_text
        assert any(new == stroma for _, new in by_text[stroma].corrections)
        assert "We will compare benign and malignant patterns." in by_text
        necrosis = by_text["There is no evidence of necrosis."]
        assert necrosis.role == "roi" and rule_role(necrosis.corrected_text, necrosis.entities) == "medical"
        assert all(s.role == llm_role(s.corrected_text) for s in ta.sentences)

        run_pairs(PairsParams(), fr, tmp_path / "text", tmp_path / "pairs", Execution(root=tmp_path))
        pairs = PairsFile.read(tmp_path / "pairs" / f"{VID}.json").pairs
        assert pairs
        captions = {p.caption: p for p in pairs}
        # LLM-corrected text is the pair's caption and corrected_text; the ASR's stays in noisy_text
        p = captions[stroma]
        assert p.corrected_text == stroma and "namoplastic trauma" in p.noisy_text
        # ... and entities were read from it: "desmoplastic stroma" is QK:0017 (stroma), which
        # "namoplastic trauma" would never have matched
        assert "QK:0017" in p.med_umls_ids
        # the LLM's labels decide which pairs carry ROI text and which medical text
        for q in pairs:
            role = llm_role(q.caption)
            assert q.roi_text == (q.caption if role == "roi" else ""), q.pair_id
            assert q.med_text == (q.caption if role == "medical" else ""), q.pair_id
        assert p.med_text == stroma and p.roi_text == ""
        nec = captions["There is no evidence of necrosis."]
        assert nec.roi_text == nec.caption and nec.med_text == ""  # rules alone would say medical
        assert {q.image_id for q in pairs if q.roi_text} >= {f"{VID}_0", f"{VID}_1", f"{VID}_2"}

        # a second run into fresh dirs, same LLM cache: nothing is asked again, nothing changes
        before = len(srv.calls)
        m2 = run_text(_params(srv.url, tmp_path), asr, tmp_path / "text2")
        assert len(srv.calls) == before and m2 == m
        assert (tmp_path / "text2" / f"{VID}.json").read_bytes() == (tmp_path / "text" / f"{VID}.json").read_bytes()
        run_pairs(PairsParams(), fr, tmp_path / "text2", tmp_path / "pairs2", Execution(root=tmp_path))
        assert (tmp_path / "pairs2" / f"{VID}.json").read_bytes() == (tmp_path / "pairs" / f"{VID}.json").read_bytes()

    # the key was sent in the header only: never in an output, the cache, a log line or the console
    out, err = capfd.readouterr()
    written = _all_text(tmp_path / "text", tmp_path / "text2", tmp_path / "pairs", tmp_path / "llm_cache")
    assert (tmp_path / "llm_cache").exists() and len(list((tmp_path / "llm_cache").rglob("*.json"))) == 2 * n
    for blob in (written, caplog.text, out, err):
        assert SECRET not in blob
