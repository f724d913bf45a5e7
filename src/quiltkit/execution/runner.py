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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from tqdm import tqdm

from quiltkit.io import clean_temp_files

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VideoTask:
    video_id: str
    output: Path  # the file whose existence means "done"
    args: dict = field(default_factory=dict)


@dataclass
class TaskResult:
    video_id: str
    status: str  # ok | failed | skipped | cached
    summary: dict = field(default_factory=dict)
    error: str | None = None


def _call(fn: Callable[[VideoTask], dict], task: VideoTask) -> TaskResult:
    try:
        summary = fn(task) or {}
        return TaskResult(task.video_id, summary.pop("status", "ok"), summary, summary.pop("error", None))
    except Exception as exc:  # one bad video must never fail the stage
        tb = traceback.format_exc(limit=3)
        return TaskResult(task.video_id, "failed", {}, f"{type(exc).__name__}: {exc}\n{tb}")


def run_videos(
    fn: Callable[[VideoTask], dict],
    tasks: Iterable[VideoTask],
    *,
    workers: int = 1,
    executor: str = "local",
    ray_address: str | None = None,
    desc: str = "videos",
    resources: dict | None = None,
) -> list[TaskResult]:
    tasks = list(tasks)
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

        results += run_on_ray(_call, fn, todo, address=ray_address, resources=resources or {}, desc=desc)
        return results
    bar = tqdm(total=len(todo), desc=desc, unit="video")
    if workers <= 1 or len(todo) == 1:
        for t in todo:
            results.append(_call(fn, t))
            bar.update()
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(_call, fn, t) for t in todo]
            for fut in as_completed(futures):
                results.append(fut.result())
                bar.update()
    bar.close()
    for r in results:
        if r.status == "failed":
            log.warning("%s: video %s failed: %s", desc, r.video_id, (r.error or "").splitlines()[0])
    return results
