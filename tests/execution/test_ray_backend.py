"""The Ray backend gives the same outputs as the local pool (a real local Ray cluster of 2 workers)."""
import json

import pytest

from quiltkit.execution import VideoTask, run_videos
from tests.execution.test_runner import _work


@pytest.mark.timeout(300)
def test_ray_matches_local_pool(tmp_path):
    ray = pytest.importorskip("ray")
    local = [VideoTask(f"v{i}", tmp_path / "local" / f"v{i}.json", {"boom": i == 2}) for i in range(5)]
    remote = [VideoTask(f"v{i}", tmp_path / "ray" / f"v{i}.json", {"boom": i == 2}) for i in range(5)]
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        r_local = {r.video_id: r.status for r in run_videos(_work, local, workers=2)}
        r_ray = {r.video_id: r.status for r in run_videos(_work, remote, executor="ray")}
    finally:
        ray.shutdown()
    assert r_local == r_ray and r_ray["v2"] == "failed"
    for t_l, t_r in zip(local, remote):
        if t_l.output.exists():
            assert json.loads(t_l.output.read_text()) == json.loads(t_r.output.read_text())
    assert not remote[2].output.exists()


def _gpu_probe(task) -> dict:
    import os

    import ray

    task.output.parent.mkdir(parents=True, exist_ok=True)
    seen = {"gpu_ids": [str(g) for g in ray.get_gpu_ids()], "cuda_visible": os.environ.get("CUDA_VISIBLE_DEVICES")}
    task.output.write_text(json.dumps(seen))
    return {"status": "ok"}


@pytest.mark.timeout(300)
def test_gpu_tasks_are_scheduled_on_gpus(tmp_path):
    """ASR on cuda asks Ray for GPUs (speech.stage_run.ray_resources). The cluster here declares
    two logical GPUs (Ray's scheduler does not look at hardware for that; there is none on this
    machine), and each task must be placed on one and see it as CUDA_VISIBLE_DEVICES: what a
    real GPU node gives faster-whisper."""
    ray = pytest.importorskip("ray")
    from quiltkit.config import AsrParams
    from quiltkit.speech.stage_run import ray_resources

    assert ray_resources(AsrParams(device="cpu")) == {}
    res = ray_resources(AsrParams(device="cuda", gpus_per_task=1.0))
    assert res == {"num_gpus": 1.0}
    tasks = [VideoTask(f"v{i}", tmp_path / f"v{i}.json", {}) for i in range(4)]
    ray.init(num_cpus=2, num_gpus=2, include_dashboard=False, log_to_driver=False)
    try:
        results = run_videos(_gpu_probe, tasks, executor="ray", resources=res)
    finally:
        ray.shutdown()
    assert {r.status for r in results} == {"ok"}
    for t in tasks:
        seen = json.loads(t.output.read_text())
        assert len(seen["gpu_ids"]) == 1 and seen["cuda_visible"] == seen["gpu_ids"][0], seen
