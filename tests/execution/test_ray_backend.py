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
