"""The asr stage: every download record -> outputs/asr/<vid>.json, then metrics/asr.json.

The domain prompt is built once here (it needs only the hand-kept vocabulary and the model's
tokenizer file, not the model) and handed to every worker. Metrics are read back from the
transcript files rather than from this run's results, so a resumed run that skipped finished
videos still reports the whole corpus.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

from quiltkit.config import AsrParams
from quiltkit.contracts import RECORD_SUFFIX, Transcript
from quiltkit.execution.context import Execution
from quiltkit.execution.runner import run_videos, work_counts
from quiltkit.execution.tasks import VideoTask, invalidate
from quiltkit.paths import safe_id
from quiltkit.speech.backends import resolve_faster_whisper_model
from quiltkit.speech.prompt import build_initial_prompt, tokenizer_counter
from quiltkit.speech.transcribe import default_cpu_threads, transcribe_task
from quiltkit.text.vocabulary import core_vocabulary

log = logging.getLogger(__name__)


def domain_prompt(params: AsrParams) -> str | None:
    if params.initial_prompt == "none":
        return None
    model_dir = None
    if params.backend == "faster-whisper":
        target, local = resolve_faster_whisper_model(params.model)
        model_dir = target if local else None
    return build_initial_prompt(core_vocabulary(), tokenizer_counter(model_dir), params.prompt_max_tokens)


def asr_metrics(out_dir: Path, video_ids: list[str]) -> dict:
    m = {
        "videos": len(video_ids),
        "ok": 0,
        "failed": 0,
        "skipped": 0,
        "audio_seconds": 0.0,
        "asr_seconds": 0.0,
        "segments": 0,
        "words": 0,
        "empty_transcripts": 0,
    }
    for tr in Transcript.read_each(out_dir, video_ids, m):
        if tr.status == "ok":
            m["audio_seconds"] += tr.duration
            m["asr_seconds"] += tr.seconds_elapsed
            m["segments"] += len(tr.segments)
            m["words"] += sum(len(s.words) for s in tr.segments)
            m["empty_transcripts"] += int(not tr.segments)
    m["audio_seconds"] = round(m["audio_seconds"], 2)
    m["asr_seconds"] = round(m["asr_seconds"], 2)
    m["real_time_factor"] = round(m["asr_seconds"] / m["audio_seconds"], 4) if m["audio_seconds"] else None
    return m


def ray_resources(params: AsrParams) -> dict:
    """What an ASR task asks Ray for: a share of a GPU when it decodes on one, else the CPU
    default (Ray schedules a task needing num_gpus only on a node that has them free)."""
    return {"num_gpus": params.gpus_per_task} if params.device.startswith("cuda") else {}


def run_asr(
    params: AsrParams,
    download_dir: Path,
    out_dir: Path,
    *,
    execution: Execution = Execution(),
) -> dict:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    download_dir, out_dir = Path(download_dir), Path(out_dir)
    records = sorted(download_dir.glob(f"*{RECORD_SUFFIX}"))
    if not records:
        log.warning("asr: no %s files under %s", RECORD_SUFFIX, download_dir)
    prompt = domain_prompt(params)
    log.info(
        "asr: %d videos, backend %s, model %s, prompt %s",
        len(records),
        params.backend,
        params.model,
        "off" if prompt is None else f"{len(prompt.split())} words",
    )
    cpu_threads = params.cpu_threads or default_cpu_threads(min(execution.workers, max(1, len(records))))
    tasks = []
    for rec in records:
        vid = safe_id(rec.name[: -len(RECORD_SUFFIX)])
        tasks.append(
            VideoTask(
                vid,
                out_dir / f"{vid}.json",
                {"record": str(rec), "params": params.model_dump(), "prompt": prompt, "cpu_threads": cpu_threads},
            )
        )
    invalidate(tasks, Transcript, "asr", "record")
    t0 = time.perf_counter()
    results = run_videos(
        transcribe_task,
        tasks,
        execution,
        desc="asr",
        resources=ray_resources(params),
    )
    wall = time.perf_counter() - t0
    for r in results:
        if r.status in ("skipped", "failed"):
            log.info("asr: %s %s: %s", r.video_id, r.status, (r.error or "").splitlines()[0] if r.error else "")
    metrics = {**asr_metrics(out_dir, [t.video_id for t in tasks]), **work_counts(results)}
    metrics.update(
        {
            "backend": params.backend,
            "model": params.model,
            "initial_prompt": params.initial_prompt,
            "cpu_threads": cpu_threads,
            "workers": execution.workers,
            "wall_seconds": round(wall, 2),
        }
    )
    # asr_seconds sums per-video time over parallel workers; this is what the clock saw
    # (videos skipped as already done make it smaller, so it is only meaningful on a fresh run)
    metrics["wall_real_time_factor"] = round(wall / metrics["audio_seconds"], 4) if metrics["audio_seconds"] else None
    return metrics
