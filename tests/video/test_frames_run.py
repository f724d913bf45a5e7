"""The frames stage over several videos: records in, analyses + metrics out, resumable."""

import shutil

import pytest

from quiltkit.config import FramesParams, HistologyParams
from quiltkit.contracts import FrameAnalysis, VideoRecord
from quiltkit.execution.context import Execution
from quiltkit.video.stage_run import run_frames


def test_run_frames_over_download_records(tmp_path, lecture_mp4, stain_model, monkeypatch):
    monkeypatch.chdir(tmp_path)
    dl = tmp_path / "outputs" / "download"
    dl.mkdir(parents=True)
    shutil.copy(lecture_mp4, dl / "good.mp4")
    (dl / "broken.mp4").write_bytes(b"\x00" * 100)
    VideoRecord(video_id="good", url="file:///x", status="ok", video_path="good.mp4").write(dl / "good.record.json")
    VideoRecord(video_id="broken", url="file:///y", status="ok", video_path="broken.mp4").write(
        dl / "broken.record.json"
    )
    VideoRecord(video_id="gone", url="http://z", status="failed", error="HTTP 404").write(dl / "gone.record.json")
    params = FramesParams(histology=HistologyParams(backend="stain", model_path=str(stain_model)))
    out = tmp_path / "outputs" / "frames"
    m = run_frames(params, dl, out, Execution(seed=1))
    assert (m["videos"], m["ok"], m["failed"], m["skipped"]) == (3, 1, 2, 0)
    assert m["failed_ids"] == ["broken", "gone"]
    assert FrameAnalysis.read(out / "gone.json").error == "download failed: HTTP 404"
    good = FrameAnalysis.read(out / "good.json")
    assert m["chunk_images"] == len(good.images) == m["median_images"] + m["keyframe_images"] > 0
    for im in good.images:  # paths are relative to the repository root (here: the cwd)
        assert im.path.startswith("outputs/frames/good/") and (tmp_path / im.path).exists()
    assert m["video_seconds"] > 16 and m["video_seconds_per_wall_second"] > 0
    # a re-run skips finished videos: their files are not rewritten
    mtime = (out / "good.json").stat().st_mtime_ns
    m2 = run_frames(params, dl, out, Execution(seed=1))
    assert (out / "good.json").stat().st_mtime_ns == mtime and m2["ok"] == 1
    # the failed download succeeds later: the next run analyses it instead of keeping the failure
    shutil.copy(lecture_mp4, dl / "gone.mp4")
    VideoRecord(video_id="gone", url="http://z", status="ok", video_path="gone.mp4").write(dl / "gone.record.json")
    m3 = run_frames(params, dl, out, Execution(seed=1))
    assert (m3["ok"], m3["failed_ids"]) == (2, ["broken"])


def test_a_crash_is_recorded_and_retried_next_run(tmp_path, lecture_mp4, stain_model, monkeypatch):
    import quiltkit.video.stage_run as fr

    monkeypatch.chdir(tmp_path)
    dl = tmp_path / "dl"
    dl.mkdir()
    shutil.copy(lecture_mp4, dl / "a.mp4")
    VideoRecord(video_id="a", url="file:///a", status="ok", video_path="a.mp4").write(dl / "a.record.json")
    params = FramesParams(histology=HistologyParams(backend="stain", model_path=str(stain_model)))

    class Broken:  # fault injection: a classifier that dies mid-video
        def predict_proba(self, images):
            raise RuntimeError("out of memory")

    monkeypatch.setattr(fr, "process_classifier", lambda *a: Broken())
    m = run_frames(params, dl, tmp_path / "out", Execution(seed=0))
    fa = FrameAnalysis.read(tmp_path / "out" / "a.json")
    assert m["failed"] == 1 and fa.error == "internal error: RuntimeError: out of memory"
    monkeypatch.undo()
    monkeypatch.chdir(tmp_path)
    m2 = run_frames(params, dl, tmp_path / "out", Execution(seed=0))
    assert m2["ok"] == 1 and FrameAnalysis.read(tmp_path / "out" / "a.json").images


def test_classifier_device_and_ray_gpu_request():
    import pydantic

    from quiltkit.video.stage_run import ray_resources

    assert ray_resources(FramesParams()) == {}
    on_gpu = FramesParams(
        histology=HistologyParams(
            backend="timm", model_path="m.pt", timm_model="resnet10t", device="cuda", gpus_per_task=0.5
        )
    )
    assert ray_resources(on_gpu) == {"num_gpus": 0.5}
    with pytest.raises(pydantic.ValidationError, match="needs backend effnet or timm"):
        HistologyParams(
            backend="stain", device="cuda"
        )  # the stain model has no GPU path: said before any video is read
