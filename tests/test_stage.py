"""quiltkit.stage: what a stage writes as metrics, and what as timings."""

import json

from quiltkit.stage import split_timings, stage_context


def test_timings_leave_the_metrics_at_any_depth():
    metrics, timings = split_timings(
        {
            "videos": 3,
            "audio_seconds": 90.0,
            "wall_seconds": 12.5,
            "asr": {"real_time_factor": 0.1, "wer": 0.2},
            "frames": {"ok": 3},
            "train": {"samples_per_s": 106.0, "steps": 48},
        }
    )
    assert metrics == {
        "videos": 3,
        "audio_seconds": 90.0,
        "asr": {"wer": 0.2},
        "frames": {"ok": 3},
        "train": {"steps": 48},
    }
    assert timings == {"wall_seconds": 12.5, "asr": {"real_time_factor": 0.1}, "train": {"samples_per_s": 106.0}}


def test_finish_writes_metrics_without_timings(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "params.yaml").write_text(f"project:\n  mlflow_tracking_uri: sqlite:///{tmp_path}/m.db\n")
    with stage_context("frames") as ctx:
        ctx.finish({"ok": 2, "wall_seconds": 1.0})
    assert json.loads((tmp_path / "metrics" / "frames.json").read_text()) == {"ok": 2}
    t = json.loads((tmp_path / "outputs" / "timings" / "frames.json").read_text())
    assert t["wall_seconds"] == 1.0 and t["stage_seconds"] >= 0


def _params(tmp_path, extra: str = "") -> None:
    (tmp_path / "params.yaml").write_text(
        f"project:\n  seed: 7\n  mlflow_tracking_uri: sqlite:///{tmp_path}/m.db\n{extra}"
    )


def test_bad_params_fail_before_anything_is_written(tmp_path, monkeypatch):
    import pytest

    from quiltkit.config import ParamsError

    monkeypatch.chdir(tmp_path)
    _params(tmp_path, "frames:\n  scenes:\n    treshold: 3\n")
    with pytest.raises(ParamsError, match=r"frames\.scenes\.treshold"):
        with stage_context("frames"):
            raise AssertionError("the body must not run")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["params.yaml"]


def test_a_stage_that_raises_reports_no_metrics(tmp_path, monkeypatch):
    import pytest

    monkeypatch.chdir(tmp_path)
    _params(tmp_path)
    with pytest.raises(RuntimeError, match="mid-stage"):
        with stage_context("frames"):
            raise RuntimeError("mid-stage")
    assert not (tmp_path / "metrics").exists()  # a failed run leaves no figure DVC could record


def test_the_project_seed_seeds_python_and_numpy(tmp_path, monkeypatch):
    import random

    import numpy as np

    monkeypatch.chdir(tmp_path)
    _params(tmp_path)
    draws = []
    for _ in range(2):
        with stage_context("frames"):
            draws.append((random.random(), float(np.random.rand())))
    assert draws[0] == draws[1]
    random.seed(7)
    np.random.seed(7)
    assert draws[0] == (random.random(), float(np.random.rand()))


def test_metrics_name_and_section(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _params(tmp_path, "asr:\n  beam_size: 3\n")
    with stage_context("release_holdout", section="asr", metrics_name="holdout") as ctx:
        assert ctx.params.asr.beam_size == 3
        ctx.finish({"n": 1})
    assert json.loads((tmp_path / "metrics" / "holdout.json").read_text()) == {"n": 1}
    assert not (tmp_path / "metrics" / "release_holdout.json").exists()
