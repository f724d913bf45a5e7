"""The local pool at scale: a worker that dies outright costs one video, not the stage."""

import os

from quiltkit.execution.context import Execution
from quiltkit.execution.runner import WORKER_DIED, run_videos
from quiltkit.execution.tasks import VideoTask
from quiltkit.io import write_json


def _crash(task: VideoTask) -> dict:
    if task.args.get("die"):
        os._exit(9)  # as a worker killed for memory: no exception, the process is just gone
    write_json(task.output, {"video": task.video_id})
    return {}


def test_dead_worker_fails_only_its_video(tmp_path):
    tasks = [VideoTask(f"v{i}", tmp_path / f"v{i}.json", {"die": i == 2}) for i in range(6)]
    results = {r.video_id: r for r in run_videos(_crash, tasks, Execution(workers=2))}
    assert sorted(results) == [f"v{i}" for i in range(6)]
    assert results["v2"].status == "failed" and WORKER_DIED in results["v2"].error
    assert all(results[f"v{i}"].status == "ok" for i in range(6) if i != 2)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"v{i}.json" for i in range(6) if i != 2]
    # the next run redoes only the videos without output (v0 removed: a single leftover video
    # would run in-process, where a hard exit takes the caller with it; that is the pool's job)
    (tmp_path / "v0.json").unlink()
    again = {r.video_id: r.status for r in run_videos(_crash, tasks, Execution(workers=2))}
    assert again == {**{f"v{i}": "cached" for i in range(6) if i not in (0, 2)}, "v0": "ok", "v2": "failed"}
