"""Pool workers get one native thread per core share, set in the parent and inherited; a Ray
worker, a fresh process, sets its own and keeps it (limit_this_process)."""

import os
import subprocess
import sys

import cv2
import numpy as np
import pytest

from quiltkit.execution.context import Execution
from quiltkit.execution.runner import run_videos
from quiltkit.execution.tasks import VideoTask
from quiltkit.execution.threads import native_thread_limit, threads_per_worker


def _report_threads(task: VideoTask) -> dict:
    # real OpenCV work in the worker: a worker whose thread pool was broken by the fork hangs here
    cv2.GaussianBlur(np.zeros((512, 512, 3), np.uint8), (9, 9), 0)
    task.output.write_text(f"{cv2.getNumThreads()} {os.environ.get('OMP_NUM_THREADS')}")
    return {"status": "ok"}


def test_workers_inherit_the_limit_and_the_parent_gets_its_own_back(tmp_path, monkeypatch):
    monkeypatch.setattr("quiltkit.execution.threads.available_cores", lambda: 2)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    before = cv2.getNumThreads()
    cv2.GaussianBlur(np.zeros((512, 512, 3), np.uint8), (9, 9), 0)  # the parent's pool is running
    tasks = [VideoTask(f"v{i}", tmp_path / f"v{i}.txt") for i in range(4)]
    res = run_videos(_report_threads, tasks, Execution(workers=2))
    assert sorted(r.status for r in res) == ["ok"] * 4
    assert {(tmp_path / f"v{i}.txt").read_text() for i in range(4)} == {"1 1"}  # 2 cores / 2 workers
    assert cv2.getNumThreads() == before and "OMP_NUM_THREADS" not in os.environ


def test_more_cores_than_workers_leaves_opencv_alone(tmp_path, monkeypatch):
    # 4 cores, 2 workers: 2 threads each for BLAS/OpenMP; OpenCV keeps its pool (resizing a
    # running pool to 2 and forking hangs the child, see quiltkit.execution.threads)
    monkeypatch.setattr("quiltkit.execution.threads.available_cores", lambda: 4)
    before = cv2.getNumThreads()
    res = run_videos(
        _report_threads, [VideoTask(f"v{i}", tmp_path / f"v{i}.txt") for i in range(2)], Execution(workers=2)
    )
    assert [r.status for r in res] == ["ok", "ok"]
    assert {(tmp_path / f"v{i}.txt").read_text() for i in range(2)} == {f"{before} 2"}


def test_threads_per_worker(monkeypatch):
    monkeypatch.setattr("quiltkit.execution.threads.available_cores", lambda: 2)
    assert threads_per_worker(2) == 1 and threads_per_worker(1) == 2 and threads_per_worker(8) == 1


def test_limit_restores_on_error(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "7")
    before = cv2.getNumThreads()
    inside = {}
    with pytest.raises(RuntimeError, match="boom"):  # the limit must not swallow the error
        with native_thread_limit(1):
            inside.update(cv=cv2.getNumThreads(), omp=os.environ["OMP_NUM_THREADS"])
            raise RuntimeError("boom")
    assert inside == {"cv": 1, "omp": "1"}  # the block really ran under the limit
    assert cv2.getNumThreads() == before and os.environ["OMP_NUM_THREADS"] == "7"


_ALREADY_LOADED = """
import cv2, numpy as np
from threadpoolctl import threadpool_info
from quiltkit.execution.threads import limit_this_process
cv2.GaussianBlur(np.zeros((512, 512, 3), np.uint8), (9, 9), 0)  # OpenCV's pool is running
limit_this_process(1)
cv2.GaussianBlur(np.zeros((512, 512, 3), np.uint8), (9, 9), 0)
print(cv2.getNumThreads(), sorted({i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}))
"""


def test_limit_this_process_reaches_libraries_loaded_before_it(monkeypatch):
    """The Ray path (tests/execution/test_ray_backend.py) sets the limit before the task imports
    cv2 and numpy; a reused worker has them loaded already. In a fresh process, as a Ray worker
    is, with both loaded and OpenCV's pool running at its default size, the limit still applies."""
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    out = subprocess.run(
        [sys.executable, "-c", _ALREADY_LOADED],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert out.stdout.split(None, 1) == ["1", "[1]\n"], out.stderr
