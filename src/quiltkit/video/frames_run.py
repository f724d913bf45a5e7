"""The frames stage over many videos: tasks from download records, a per-process classifier,
per-video FrameAnalysis files, and the stage metrics."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from quiltkit.config import FramesParams, HistologyParams
from quiltkit.contracts import RECORD_SUFFIX, ContractError, FrameAnalysis, VideoRecord
from quiltkit.execution.runner import run_videos, work_counts
from quiltkit.execution.tasks import VideoTask
from quiltkit.video.classifiers import load_classifier
from quiltkit.video.frames import analyse_video

log = logging.getLogger(__name__)

_CLASSIFIER = {}  # one classifier per worker process, keyed by its settings


def _load(h: HistologyParams):
    return load_classifier(
        h.backend,
        h.model_path,
        h.timm_model,
        h.device,
        guard=h.text_guard,
        text_max_fraction=h.text_max_fraction,
        crop_chrome=h.crop_chrome,
        batch_size=h.batch_size,
    )


def process_classifier(h: HistologyParams):
    """One classifier per process that runs frames tasks, loaded on its first video."""
    key = h.model_dump_json()  # every setting _load reads, so none can be left out of the key
    if key not in _CLASSIFIER:
        _CLASSIFIER[key] = _load(h)
    return _CLASSIFIER[key]


def ray_resources(params: FramesParams) -> dict:
    """What one frames task reserves on a Ray cluster beyond its CPU: a GPU share when the
    histology classifier runs on cuda."""
    h = params.histology
    return {"num_gpus": h.gpus_per_task} if h.device.startswith("cuda") else {}


def _frames_task(task: VideoTask) -> dict:
    a = task.args
    params = FramesParams.model_validate(a["params"])
    clf = process_classifier(params.histology)
    out_dir = Path(a["out_dir"])
    try:
        fa = analyse_video(
            task.video_id,
            a["video_path"],
            task.output,
            out_dir / task.video_id,
            f"{a['out_rel']}/{task.video_id}",
            params,
            clf,
            seed=a["seed"],
        )
    except Exception as exc:  # a bug, not bad input: record it (the metrics count it) and retry next run
        log.exception("frames: %s: internal error", task.video_id)
        fa = FrameAnalysis(
            video_id=task.video_id, status="failed", error=f"{INTERNAL_ERROR} {type(exc).__name__}: {exc}"
        )
        fa.write(task.output)
    return {"status": fa.status, "error": fa.error}


DOWNLOAD_FAILED = "download"
INTERNAL_ERROR = "internal error:"


def _retry_on_rerun(path: Path) -> bool:
    """Failures that say nothing about the video itself (it had not been downloaded; our code
    crashed) are redone by the next run; a bad video's failure stands."""
    try:
        fa = FrameAnalysis.read(path)
    except ContractError:
        return True
    err = fa.error or ""
    return fa.status == "failed" and (err.startswith(DOWNLOAD_FAILED + " ") or err.startswith(INTERNAL_ERROR))


def frame_tasks(download_dir: Path, out_dir: Path, params: FramesParams, seed: int, out_rel: str) -> list[VideoTask]:
    """One task per download record. Videos that did not download get a failed analysis written
    right away (so the record of why is next to the others) and no task."""
    tasks = []
    for rec_path in sorted(download_dir.glob(f"*{RECORD_SUFFIX}")):
        try:
            rec = VideoRecord.read(rec_path)
        except ContractError as err:
            log.warning("frames: %s", err)
            continue
        out = out_dir / f"{rec.video_id}.json"
        if rec.status != "ok" or not rec.video_path:
            if not out.exists():
                FrameAnalysis(
                    video_id=rec.video_id, status="failed", error=f"{DOWNLOAD_FAILED} {rec.status}: {rec.error}"
                ).write(out)
            continue
        if out.exists() and _retry_on_rerun(out):
            out.unlink()
        tasks.append(
            VideoTask(
                rec.video_id,
                out,
                {
                    "video_path": str(download_dir / rec.video_path),
                    "params": params.model_dump(),
                    "out_dir": str(out_dir),
                    "out_rel": out_rel,
                    "seed": seed,
                },
            )
        )
    return tasks


def summarise(out_dir: Path, wall: float) -> dict:
    m = {
        "videos": 0,
        "ok": 0,
        "failed": 0,
        "skipped": 0,
        "truncated": 0,
        "scenes": 0,
        "keyframes": 0,
        "histology_keyframes": 0,
        "chunk_images": 0,
        "median_images": 0,
        "keyframe_images": 0,
        "duplicate_images": 0,
        "blurred_rejected": 0,
        "video_seconds": 0.0,
        "analysis_seconds": 0.0,
    }
    failed, skipped = [], []
    for p in sorted(out_dir.glob("*.json")):
        fa = FrameAnalysis.read(p)
        m["videos"] += 1
        m[fa.status] += 1
        if fa.status == "failed":
            failed.append(fa.video_id)
        if fa.status == "skipped":
            skipped.append(fa.video_id)
        if fa.status == "ok" and "truncated:" in (fa.error or ""):
            m["truncated"] += 1  # analysed up to where the file ends
        m["scenes"] += len(fa.scenes)
        m["keyframes"] += len(fa.keyframes)
        m["histology_keyframes"] += sum(k.is_histology for k in fa.keyframes)
        m["chunk_images"] += len(fa.images)
        m["median_images"] += sum(i.method == "median" for i in fa.images)
        m["keyframe_images"] += sum(i.method == "keyframe" for i in fa.images)
        m["duplicate_images"] += sum(i.duplicate_of is not None for i in fa.images)
        m["blurred_rejected"] += fa.counts.get("blurred_rejected", 0)
        m["video_seconds"] += fa.duration
        m["analysis_seconds"] += fa.seconds_elapsed
    m["video_seconds"] = round(m["video_seconds"], 2)
    m["analysis_seconds"] = round(m["analysis_seconds"], 2)
    m["wall_seconds"] = round(wall, 2)
    m["video_seconds_per_wall_second"] = round(m["video_seconds"] / wall, 2) if wall > 0 else None
    m["failed_ids"], m["skipped_ids"] = failed, skipped
    return m


def run_frames(
    params: FramesParams,
    download_dir: Path,
    out_dir: Path,
    seed: int,
    workers: int = 1,
    executor: str = "local",
    ray_address=None,
) -> dict:
    t0 = time.time()
    out_dir.mkdir(parents=True, exist_ok=True)
    # Load here so a missing or wrong model fails the stage before any video is touched.
    _load(params.histology)
    # Image paths in the analyses are relative to the repository root (the working directory of
    # every stage), so a copy of the repository resolves them to itself.
    try:
        out_rel = out_dir.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        out_rel = out_dir.resolve().as_posix()
    tasks = frame_tasks(download_dir, out_dir, params, seed, out_rel)
    results = run_videos(
        _frames_task,
        tasks,
        workers=workers,
        executor=executor,
        ray_address=ray_address,
        desc="frames",
        resources=ray_resources(params),
    )
    return {**summarise(out_dir, time.time() - t0), **work_counts(results)}
