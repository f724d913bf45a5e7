"""The video domain's stage drivers: download (the video list -> records and media), histo_classifier
(train the histology head, or check a user's model) and frames (tasks from download records, a
per-process classifier, per-video FrameAnalysis files, and the stage metrics)."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

from quiltkit.config import DownloadParams, FramesParams, HistologyParams
from quiltkit.contracts import RECORD_SUFFIX, ContractError, FrameAnalysis, VideoRecord
from quiltkit.execution.context import Execution
from quiltkit.execution.runner import run_videos, work_counts
from quiltkit.execution.tasks import VideoTask
from quiltkit.io import atomic_write_text
from quiltkit.video.classifiers import load_classifier, train_classifier
from quiltkit.video.download import download_task, import_yt_dlp, is_done, read_video_list
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


def run_histo_classifier(h: HistologyParams, out_dir: Path, execution: Execution = Execution()) -> dict:
    """`h` is HistologyParams. With h.model_path, nothing is trained: the model must load (so a
    wrong file fails here, not an hour later in the frames stage) and is recorded in
    out_dir/model_source.json. Otherwise the head is trained on h.train_frames into
    out_dir/model.json. Returns the stage's metrics."""
    out_dir = Path(out_dir)
    if h.model_path:
        load_classifier(h.backend, h.model_path, h.timm_model, h.device)
        atomic_write_text(
            out_dir / "model_source.json",
            json.dumps({"backend": h.backend, "model_path": h.model_path, "trained": False}) + "\n",
        )
        return {"backend": h.backend, "trained": 0}
    model, metrics = train_classifier(
        h.backend, h.train_frames, seed=execution.seed, device=h.device, with_stain=h.with_stain_features
    )
    model.save(out_dir / "model.json")
    return {**metrics, "backend": h.backend, "trained": 1}


def run_frames(
    params: FramesParams,
    download_dir: Path,
    out_dir: Path,
    execution: Execution = Execution(),
) -> dict:
    t0 = time.time()
    out_dir.mkdir(parents=True, exist_ok=True)
    # Load here so a missing or wrong model fails the stage before any video is touched.
    _load(params.histology)
    # Image paths in the analyses are relative to the workspace root (the working directory of
    # every stage), so a copy of the repository resolves them to itself.
    try:
        out_rel = out_dir.resolve().relative_to(execution.root.resolve()).as_posix()
    except ValueError:
        out_rel = out_dir.resolve().as_posix()
    tasks = frame_tasks(download_dir, out_dir, params, execution.seed, out_rel)
    results = run_videos(
        _frames_task,
        tasks,
        execution,
        desc="frames",
        resources=ray_resources(params),
    )
    return {**summarise(out_dir, time.time() - t0), **work_counts(results)}


def run_download(params: DownloadParams, out_dir: Path, execution: Execution = Execution()) -> dict:
    rejected: list[str] = []
    rows = read_video_list(params.video_list, rejected=rejected)
    for msg in rejected:
        log.warning("download: row rejected: %s", msg)
    out_dir.mkdir(parents=True, exist_ok=True)
    done = [r for r in rows if is_done(out_dir, r.video_id)]
    todo = [r for r in rows if not is_done(out_dir, r.video_id)]
    if done:
        log.info("download: %d of %d videos already downloaded, skipping them", len(done), len(rows))
    tasks = []
    for r in todo:
        # The runner treats an existing output as done; a failed record must not count, so the
        # marker handed to it is a path that exists only once this run has written the record.
        marker = out_dir / f"{r.video_id}{RECORD_SUFFIX}"
        if marker.exists():
            marker.unlink()
        tasks.append(
            VideoTask(r.video_id, marker, {"row": r.__dict__, "params": params.model_dump(), "out_dir": str(out_dir)})
        )
    # yt-dlp's import (~0.5 s of CPU) is paid once here, not once per pool worker
    results = run_videos(
        download_task,
        tasks,
        execution,
        desc="download",
        warm=import_yt_dlp,
    )
    for r in results:  # a crash escaping download_video still leaves a record
        if r.status == "failed" and not (out_dir / f"{r.video_id}{RECORD_SUFFIX}").exists():
            row = next(x for x in todo if x.video_id == r.video_id)
            VideoRecord(video_id=r.video_id, url=row.url, status="failed", error=(r.error or "")[:500]).write(
                out_dir / f"{r.video_id}{RECORD_SUFFIX}"
            )
    ok = sum(r.status == "ok" for r in results)
    failed = sorted(r.video_id for r in results if r.status == "failed")
    return {
        "videos": len(rows),
        "ok": ok + len(done),
        "downloaded": ok,
        "cached": len(done),
        "failed": len(failed),
        "failed_ids": failed,
        "processed": len(todo),
        "reused": len(done),
        "rejected_rows": rejected,
    }
