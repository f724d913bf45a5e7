"""README's figures are the committed metrics: each table cell below is read from README.md and
compared with the metrics file it quotes, so a re-run that moves a figure fails here until the
README says the new one."""

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _get(doc: dict, dotted: str):
    for k in dotted.split("."):
        doc = doc[k]
    return doc


def _row(readme: str, label: str) -> list[str]:
    line = next((ln for ln in readme.splitlines() if ln.startswith(f"| {label}")), None)
    assert line is not None, f"README.md has no table row starting {label!r}"
    return [c.strip() for c in line.strip("|").split("|")[1:]]


def _numbers(cell: str) -> list[float]:
    return [float(x) for x in re.findall(r"\d+\.\d+|\d+", cell)]


def test_curation_table_quotes_metrics_curation_json():
    readme = (ROOT / "README.md").read_text()
    cur = json.loads((ROOT / "metrics" / "curation.json").read_text())
    rows = {  # README row -> the keys its numbers come from, per corpus, with their rounding
        "scene boundaries": (["scene_boundary.f1"], 2),
        "histology keyframes": (["histology.precision", "histology.recall"], 2),
        "pairs, sentence aligner": (["pairs.sentence.precision", "pairs.sentence.recall"], 2),
        "pairs, paper's chunk rule": (["pairs.quilt.precision", "pairs.quilt.recall"], 2),
        "ASR word error rate": (["asr.wer", "text.wer"], 3),
        "medical-term recall": (
            ["text.corrections.term_recall_raw", "text.corrections.term_recall_corrected", "text.corrections.broken"],
            3,
        ),
    }
    for label, (keys, digits) in rows.items():
        cells = _row(readme, label)
        for cell, corpus in zip(cells, (cur, cur["holdout"])):
            want = [round(float(_get(corpus, k)), digits) for k in keys]
            assert _numbers(cell) == want, f"README row {label!r}: {cell!r}, metrics say {want}"


def test_model_table_quotes_metrics_eval_json():
    readme = (ROOT / "README.md").read_text()
    ev = json.loads((ROOT / "metrics" / "eval.json").read_text())["models"]
    zs = _numbers(_row(readme, "zero-shot balanced accuracy")[0])
    assert zs[-2:] == [
        round(ev[m]["demo_patches"]["zeroshot"]["balanced_accuracy"], 3) for m in ("trained", "untrained")
    ]
    r10 = _numbers(_row(readme, "text-to-image Recall@10")[0])
    assert r10 == [round(ev[m]["demo_retrieval"]["retrieval"]["t2i_R10"], 2) for m in ("trained", "untrained")]


def test_release_table_quotes_the_release_metrics():
    readme = (ROOT / "README.md").read_text()
    for label, file in [
        ("demo (`metrics/release.json`)", "release.json"),
        ("held-out (`metrics/release_holdout.json`)", "release_holdout.json"),
    ]:
        m = json.loads((ROOT / "metrics" / file).read_text())
        cells = _row(readme, label)
        gone = sum(m["videos_gone"].values())
        assert _numbers(cells[0]) == [m["videos_ok"], gone]
        assert _numbers(cells[1]) == [m["names"]]
        assert _numbers(cells[2]) == [
            m["rebuilt"],
            m["names"] - sum(m["missing"].get(k, 0) for k in m["missing"] if k.startswith("video ")),
            m["by_method"]["keyframe"],
            m["by_method"]["median"],
        ]
        assert _numbers(cells[3]) == [m["name_mismatches"]]
        assert _numbers(cells[4]) == [round(m["psnr_mean"], 2), round(m["psnr_min"], 2)]
        assert _numbers(cells[5]) == [round(m["mean_abs_diff"], 2)]
        assert _numbers(cells[6]) == [sum(m["missing"].values()), sum(m["rows_lost"].values())]


def test_pointer_table_quotes_metrics_curation_json():
    readme = (ROOT / "README.md").read_text()
    cur = json.loads((ROOT / "metrics" / "curation.json").read_text())
    rows = {
        "pointer detection, per frame read": ["pointer.detection.precision", "pointer.detection.recall"],
        "false pointer detections per 100": ["pointer.detection.false_per_100_empty"],
        "pointing game, pairs spoken": ["pointer.grounding.pointing_game"],
        "region IoU with the true region": ["pointer.grounding.mean_iou"],
    }
    for label, keys in rows.items():
        cells = _row(readme, label)
        for cell, corpus in zip(cells, (cur, cur["holdout"])):
            want = [_get(corpus, k) for k in keys]
            if any(w is None for w in want):
                assert "n/a" in cell, f"README row {label!r}: {cell!r}, metrics have no figure"
                continue
            assert _numbers(cell) == [round(float(w), 2) for w in want], f"README row {label!r}: {cell!r}, want {want}"
