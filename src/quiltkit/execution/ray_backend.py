"""Ray backend for per-video work: same function, same outputs, tasks spread over a cluster.

A Ray worker is a fresh Python process started by the raylet, not a fork of the driver: it keeps
the driver's working directory (the stages' relative paths still resolve on one machine or on a
cluster with the repository at the same path) but resolves a relative PYTHONPATH against its own
start-up, so `PYTHONPATH=src python stages/x.py` would give workers that cannot import quiltkit.
`init_ray` hands the workers absolute import paths through the job's runtime environment.

Being fresh processes, workers also set their own native-thread limit (the local pool's forked
workers inherit theirs; see quiltkit.execution.threads), at the CPUs Ray assigned to the task.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Callable

from quiltkit.execution.threads import limit_this_process


def _import_paths() -> str:
    """The driver's import roots, absolute: quiltkit's own, then whatever PYTHONPATH named."""
    import quiltkit

    paths = [str(Path(quiltkit.__file__).resolve().parents[1])]
    for p in os.environ.get("PYTHONPATH", "").split(os.pathsep):
        if p and str(Path(p).resolve()) not in paths:
            paths.append(str(Path(p).resolve()))
    return os.pathsep.join(paths)


def init_ray(address: str | None = None, **kwargs) -> None:
    """Connect to `address` (None or "local": start a local cluster; "auto": the one this node
    belongs to; "ray://host:10001": a remote one), unless this process is connected already."""
    import ray

    if ray.is_initialized():
        return
    env = kwargs.pop("runtime_env", None) or {}
    env_vars = {"PYTHONPATH": _import_paths(), **env.get("env_vars", {})}
    ray.init(
        address=None if address in (None, "", "local") else address,
        include_dashboard=False,
        log_to_driver=False,
        runtime_env={**env, "env_vars": env_vars},
        **kwargs,
    )


# The thread limit this worker process runs under. Ray reuses a worker for many tasks, and
# threadpoolctl walks every loaded library to set one, so it is set again only when a task
# arrives with another CPU share.
_LIMIT: int | None = None


def _limited(call: Callable, fn: Callable, task):
    """`call(fn, task)` inside a Ray worker, with OpenCV and BLAS/OpenMP held to the task's CPUs
    (floored, at least 1, as Ray does for OMP_NUM_THREADS): a task asking for 1 CPU on a 64-core
    node would otherwise run 64 OpenCV threads beside 63 other tasks doing the same."""
    import ray

    global _LIMIT
    n = max(1, math.floor(ray.get_runtime_context().get_assigned_resources().get("CPU", 1)))
    if n != _LIMIT:
        limit_this_process(n)
        _LIMIT = n
    return call(fn, task)


def run_on_ray(
    call: Callable,
    fn: Callable,
    tasks: list,
    *,
    address: str | None,
    resources: dict,
    desc: str,
    window: int | None = None,
) -> list:
    """Run `call(fn, task)` for every task on the cluster and return the TaskResults.

    At most `window` tasks are in flight (default: twice the cluster's CPUs). Submitting a
    100k-video corpus at once would put 100k task specs in the scheduler and make every
    `ray.wait` scan them all (quadratic in the corpus); a bounded window keeps the driver's cost
    per video constant while still queueing enough to keep every worker busy. A task whose
    worker died (killed for memory, a segfault in a decoder) is retried by Ray, then becomes a
    failed result for that one video instead of an exception that ends the stage.
    """
    import ray
    from tqdm import tqdm

    from quiltkit.execution.tasks import TaskResult

    init_ray(address)
    if window is None:
        window = 2 * max(1, int(ray.cluster_resources().get("CPU", 1)))
    remote = ray.remote(max_retries=2, retry_exceptions=False, **resources)(_limited)
    queue = iter(tasks)
    pending: dict = {}
    results = []

    def top_up() -> None:
        while len(pending) < window:
            t = next(queue, None)
            if t is None:
                return
            pending[remote.remote(call, fn, t)] = t

    top_up()
    with tqdm(total=len(tasks), desc=f"{desc} (ray)", unit="video") as bar:
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            for ref in done:
                task = pending.pop(ref)
                try:
                    results.append(ray.get(ref))
                except Exception as exc:  # RayTaskError / WorkerCrashedError / OutOfMemoryError
                    results.append(
                        TaskResult(task.video_id, "failed", {}, f"ray: {type(exc).__name__}: {str(exc)[:500]}")
                    )
                bar.update()
            top_up()
    return results
