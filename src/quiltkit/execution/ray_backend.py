"""Ray backend for per-video work: same function, same outputs, tasks spread over a cluster."""
from __future__ import annotations

from typing import Callable


def run_on_ray(call: Callable, fn: Callable, tasks: list, *, address: str | None, resources: dict, desc: str) -> list:
    import ray
    from tqdm import tqdm

    if not ray.is_initialized():
        ray.init(address=address, include_dashboard=False, log_to_driver=False, ignore_reinit_error=True)
    remote = ray.remote(max_retries=2, retry_exceptions=False, **resources)(call)
    pending = {remote.remote(fn, t): t for t in tasks}
    results = []
    with tqdm(total=len(tasks), desc=f"{desc} (ray)", unit="video") as bar:
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            for ref in done:
                pending.pop(ref)
                results.append(ray.get(ref))
                bar.update()
    return results
