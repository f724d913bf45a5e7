from quiltkit.config import PairsParams
from quiltkit.contracts import FrameAnalysis, PairsFile
from quiltkit.execution.context import Execution
from quiltkit.pairing.stage_run import run_pairs
from tests.pairing.synth_lecture import frame_analysis, text_analysis


def test_run_pairs_writes_default_and_reports_both(tmp_path):
    fr, tx, out = tmp_path / "frames", tmp_path / "text", tmp_path / "pairs"
    for vid in ("a", "b"):
        frame_analysis(vid, tmp_path, write_images=True).write(fr / f"{vid}.json")
        text_analysis(vid).write(tx / f"{vid}.json")
    FrameAnalysis(video_id="bad", status="failed", error="no frames").write(fr / "bad.json")
    text_analysis("bad").write(tx / "bad.json")
    text_analysis("orphan").write(tx / "orphan.json")  # no frames: skipped, logged
    m = run_pairs(PairsParams(), fr, tx, out, Execution(root=tmp_path))
    assert sorted(p.name for p in out.glob("*.json")) == ["a.json", "b.json"]
    pf = PairsFile.read(out / "a.json")
    assert pf.aligner == "sentence" and pf.pairs and all(p.aligner == "sentence" for p in pf.pairs)
    assert m["videos"] == {"ok": 2, "cached": 0, "failed": 0, "skipped": 1, "missing_input": 1}
    assert "frames status is failed" in m["video_errors"]["bad"]
    q, s = m["per_aligner"]["quilt"], m["per_aligner"]["sentence"]
    assert m["pairs"] == s["pairs"] == 2 * len(pf.pairs)
    assert q["pairs"] > s["pairs"] > 0 and s["images_paired"] == 6
    assert m["pair_chunk_time"] == {"a": 12.0, "b": 12.0}
    # a re-run skips finished videos and reports the same totals
    before = (out / "a.json").stat().st_mtime_ns
    m2 = run_pairs(PairsParams(), fr, tx, out, Execution(root=tmp_path))
    assert (out / "a.json").stat().st_mtime_ns == before and m2["videos"]["cached"] == 2
    assert m2["per_aligner"] == m["per_aligner"]
