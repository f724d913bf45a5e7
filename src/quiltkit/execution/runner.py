"""One execution layer for per-video work.

Each stage hands over a list of VideoTasks and a picklable function that processes one video and
writes that video's output file atomically. The runner skips videos whose output already exists
(that is what makes a killed stage resumable: a re-run redoes at most the video that was in
flight), runs the rest on a process pool, and turns an exception escaping one video into a
failed result instead of failing the stage.
"""

from __future__ import annotations

import logging
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import Callable, Iterable

from tqdm import tqdm

from quiltkit.execution.context import Execution
from quiltkit.execution.tasks import TaskResult, VideoTask
from quiltkit.execution.threads import native_thread_limit, threads_per_worker
from quiltkit.io import clean_temp_files

log = logging.getLogger(__name__)


def _call(fn: Callable[[VideoTask], dict], task: VideoTask) -> TaskResult:
    try:
        summary = fn(task) or {}
        return TaskResult(task.video_id, summary.pop("status", "ok"), summary, summary.pop("error", None))
    except Exception as exc:  # one bad video must never fail the stage
        tb = traceback.format_exc(limit=3)
        return TaskResult(task.video_id, "failed", {}, f"{type(exc).__name__}: {exc}\n{tb}")


WORKER_DIED = "worker process died"


def _run_pool(fn: Callable, todo: list[VideoTask], workers: int, bar) -> list[TaskResult]:
    """The process pool, surviving a worker that dies outright.

    An exception inside a video is caught by _call; a worker killed for memory, or a decoder
    that segfaults, is not: the pool breaks and every unfinished future raises, so without this
    one such video ends the whole stage (on a 10k-video corpus, hours of work). Unfinished videos
    get a fresh pool; those caught in a second break run one per pool, where a death names its
    own video, which then gets a failed result (kept out of the next run only if its output is
    written, i.e. never: a re-run tries it again).
    """
    results: list[TaskResult] = []
    rounds = [(todo, workers)]
    seen_break: set[str] = set()
    while rounds:
        batch, n = rounds.pop(0)
        broken: list[VideoTask] = []
        with native_thread_limit(threads_per_worker(n)), ProcessPoolExecutor(max_workers=n) as pool:
            futures = {pool.submit(_call, fn, t): t for t in batch}
            for fut in as_completed(futures):
                try:
                    results.append(fut.result())
                    bar.update()
                except BrokenProcessPool:
                    broken.append(futures[fut])
        if not broken:
            continue
        if n == 1 and len(batch) == 1:  # alone in its pool: this video killed the worker
            results.append(TaskResult(batch[0].video_id, "failed", {}, f"{WORKER_DIED} (killed or crashed)"))
            bar.update()
            continue
        log.warning("a worker process died; redoing %d unfinished video(s) in a fresh pool", len(broken))
        # A broken pool takes down its other workers too, maybe halfway through an atomic write:
        # their temp files are dead now (the pool is gone), as at the start of a run.
        for d in sorted({t.output.parent for t in broken}):
            clean_temp_files(d)
        again = [t for t in broken if t.video_id in seen_break]
        seen_break.update(t.video_id for t in broken)
        rest = [t for t in broken if t.video_id not in {a.video_id for a in again}]
        rounds += [([t], 1) for t in again]
        if rest:
            rounds.append((rest, n))
    return results


def run_videos(
    fn: Callable[[VideoTask], dict],
    tasks: Iterable[VideoTask],
    execution: Execution = Execution(),
    *,
    desc: str = "videos",
    resources: dict | None = None,
    warm: Callable[[], None] | None = None,
) -> list[TaskResult]:
    """Run fn over the tasks whose output does not exist yet; one TaskResult per task.

    `warm`, for the local executor, is called once in this process before any task: what it
    loads (models, rule sets, imports) the pool's workers inherit when they fork, instead of each
    paying for it again (the text stage's medspaCy import and rule build is ~5 s of CPU per process,
    against ~0.07 s per video).
    """
    tasks = list(tasks)
    workers, executor = execution.workers, execution.executor
    # A kill -9 inside quiltkit.io.atomic_path leaves its hidden temp file (".<name>.<random><suffix>")
    # beside the outputs; stages that list "*.json" would then parse half a file. This run is the
    # only writer of these directories, so whatever temp file is there now is a dead one.
    for d in sorted({t.output.parent for t in tasks}):
        n = clean_temp_files(d)
        if n:
            log.info("%s: removed %d temp file(s) left in %s by an interrupted run", desc, n, d)
    todo = [t for t in tasks if not t.output.exists()]
    results = [TaskResult(t.video_id, "cached") for t in tasks if t.output.exists()]
    if results:
        log.info("%s: %d of %d videos already done, skipping them", desc, len(results), len(tasks))
    if not todo:
        return results
    if executor == "ray":
        from quiltkit.execution.ray_backend import run_on_ray

        results += run_on_ray(_call, fn, todo, address=execution.ray_address, resources=resources or {}, desc=desc)
    elif executor != "local":
        raise ValueError(f"unknown executor {executor!r} (local | ray)")
    else:
        if warm is not None:
            warm()
        bar = tqdm(total=len(todo), desc=desc, unit="video")
        if workers <= 1 or len(todo) == 1:
            for t in todo:
                results.append(_call(fn, t))
                bar.update()
        else:
            results += _run_pool(fn, todo, workers, bar)
        bar.close()
    for r in results:
        if r.status == "failed":
            log.warning("%s: video %s failed: %s", desc, r.video_id, (r.error or "").splitlines()[0])
    return results


def work_counts(results: Iterable[TaskResult]) -> dict:
    """How many videos this run processed and how many it reused as already done: the figures
    that show adding one video to a curated corpus costs one video of work."""
    results = list(results)
    reused = sum(r.status == "cached" for r in results)
    return {"processed": len(results) - reused, "reused": reused}
