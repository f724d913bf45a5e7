"""quiltkit.stage: what a stage writes as metrics, and what as timings."""
import json

from quiltkit.stage import split_timings, stage_context


def test_timings_leave_the_metrics_at_any_depth():
    metrics, timings = split_timings({"videos": 3, "audio_seconds": 90.0, "wall_seconds": 12.5,
                                      "asr": {"real_time_factor": 0.1, "wer": 0.2}, "frames": {"ok": 3},
                                      "train": {"samples_per_s": 106.0, "steps": 48}})
    assert metrics == {"videos": 3, "audio_seconds": 90.0, "asr": {"wer": 0.2}, "frames": {"ok": 3}, "train": {"steps": 48}}
    assert timings == {"wall_seconds": 12.5, "asr": {"real_time_factor": 0.1}, "train": {"samples_per_s": 106.0}}


def test_finish_writes_metrics_without_timings(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "params.yaml").write_text(f"project:\n  mlflow_tracking_uri: sqlite:///{tmp_path}/m.db\n")
    with stage_context("frames") as ctx:
        ctx.finish({"ok": 2, "wall_seconds": 1.0})
    assert json.loads((tmp_path / "metrics" / "frames.json").read_text()) == {"ok": 2}
    t = json.loads((tmp_path / "outputs" / "timings" / "frames.json").read_text())
    assert t["wall_seconds"] == 1.0 and t["stage_seconds"] >= 0
