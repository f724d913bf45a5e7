from quiltkit.execution.context import Execution
from quiltkit.execution.runner import run_videos
from quiltkit.execution.tasks import VideoTask
from quiltkit.io import write_json


def _work(task: VideoTask) -> dict:
    if task.args.get("boom"):
        raise ValueError(f"corrupt video {task.video_id}")
    write_json(task.output, {"video": task.video_id})
    return {"n": 1}


def test_failures_are_recorded_and_others_finish(tmp_path):
    tasks = [VideoTask(f"v{i}", tmp_path / f"v{i}.json", {"boom": i == 1}) for i in range(4)]
    results = {r.video_id: r for r in run_videos(_work, tasks, Execution(workers=2))}
    assert results["v1"].status == "failed" and "corrupt video v1" in results["v1"].error
    assert all(results[f"v{i}"].status == "ok" for i in (0, 2, 3))
    assert not (tmp_path / "v1.json").exists()


def test_rerun_skips_done_videos(tmp_path):
    tasks = [VideoTask(f"v{i}", tmp_path / f"v{i}.json") for i in range(3)]
    run_videos(_work, tasks[:2], Execution(workers=1))
    stamp = (tmp_path / "v0.json").stat().st_mtime_ns
    results = run_videos(_work, tasks, Execution(workers=1))
    assert sorted(r.status for r in results) == ["cached", "cached", "ok"]
    assert (tmp_path / "v0.json").stat().st_mtime_ns == stamp
