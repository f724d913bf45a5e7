"""How many threads each pool worker's native libraries may use.

A pool of N workers on C cores already keeps every core busy with one thread per worker. OpenCV,
and BLAS/OpenMP under numpy and scikit-image, do not know that: each starts its own pool of C
threads, so N workers run N*C threads on C cores, and the extra threads cost CPU without adding
throughput (hand-offs, spinning, cache thrash). Measured on the frames stage, 24 demo videos on
2 cores with 2 workers: about 8% less CPU for the same output with one OpenCV thread per worker.
Libraries with their own thread setting (CTranslate2's `cpu_threads`, the trainer's `threads`)
are left to it.

The limit is set in the parent, around the pool, and the forked workers inherit it. OpenCV's
thread pool does not survive fork in two cases, both measured here as a child that waits
forever: cv2.setNumThreads() called in the child, and a child forked after the parent resized
a running pool to another size above 1 (4 -> 2). Forking at 1 thread is always safe, and that is
the case that matters (workers >= cores), so OpenCV is limited only to 1 and otherwise left at
its default.

A Ray worker is the other case: a fresh process the raylet started, never a fork of the driver,
so it sets its own limit, at its task's CPU share, with `limit_this_process`, and keeps it (Ray
reuses the worker for later tasks). Ray alone sets only OMP_NUM_THREADS, and only per task;
OpenCV would take every core of the node in every worker.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from typing import Iterator

_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def available_cores() -> int:
    """Cores this process may run on (its affinity mask, which containers and taskset narrow)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def threads_per_worker(workers: int) -> int:
    return max(1, available_cores() // max(1, workers))


@contextmanager
def native_thread_limit(n: int) -> Iterator[None]:
    """Within the block, OpenCV (when n is 1) and the BLAS/OpenMP pools use at most n threads,
    and so do the processes forked in it; everything is restored on exit. The environment
    variables reach libraries a worker loads later; the calls reach those already loaded."""
    saved_env = {k: os.environ.get(k) for k in _ENV}
    cv2 = sys.modules.get("cv2") if n == 1 else None
    saved_cv = cv2.getNumThreads() if cv2 is not None else None
    os.environ.update({k: str(n) for k in _ENV})
    if cv2 is not None:
        cv2.setNumThreads(n)
    blas = _limit_blas(n)
    try:
        yield
    finally:
        for k, v in saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        if cv2 is not None:
            cv2.setNumThreads(saved_cv)
        if blas is not None:
            blas.restore_original_limits()


def _limit_blas(n: int):
    """Limit the BLAS/OpenMP pools loaded now to n threads; the limiter (to restore them), or
    None without threadpoolctl."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return None
    return threadpool_limits(n)


# OpenCV reads this when it builds its thread pool, so it reaches a worker that imports cv2 later.
_CV_ENV = "OPENCV_FOR_THREADS_NUM"


def limit_this_process(n: int) -> None:
    """From now on, OpenCV and the BLAS/OpenMP pools of this process use at most n threads, for
    libraries loaded already and those loaded later. Nothing is restored: for a process that is
    not a fork of one with a running OpenCV pool (see above), e.g. a Ray worker."""
    os.environ.update({k: str(n) for k in (*_ENV, _CV_ENV)})
    cv2 = sys.modules.get("cv2")
    if cv2 is not None:
        cv2.setNumThreads(n)
    _limit_blas(n)  # never restored: the limit stays
