"""ASR real-time factor (and WER) on the demo videos, for the default settings and variants.

    PYTHONPATH=src python benchmarks/asr_bench.py [--videos data/demo/videos] [--gt data/demo/ground_truth]
        [--settings default,batch1,no_prompt] [--limit N] [--threads T]

Each setting is the asr section of params.yaml with one change:
    default     as in params.yaml (batch_size 4, vocabulary prompt)
    batch1      batch_size 1 (the sequential, non-batched faster-whisper decoder)
    batch4      batch_size 4 (same as default unless params.yaml changes)
    no_prompt   initial_prompt "none"
    batch1_no_prompt  both
The real-time factor is transcription seconds / audio seconds, per video as the stage records it
(Transcript.seconds_elapsed: decode + VAD + ASR + fallback passes), summed over the videos. The
model is loaded before timing starts, as a stage worker loads it once for all its videos. WER is
against the demo ground truth, the sentences of each video joined in order.
"""
from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from quiltkit.config import load_params  # noqa: E402
from quiltkit.contracts import GroundTruth  # noqa: E402
from quiltkit.scoring.wer import word_error_rate  # noqa: E402
from quiltkit.speech.stage_run import domain_prompt  # noqa: E402
from quiltkit.speech.transcribe import get_backend, transcribe_file  # noqa: E402

VARIANTS = {"default": {}, "batch1": {"batch_size": 1}, "batch4": {"batch_size": 4}, "no_prompt": {"initial_prompt": "none"},
            "batch1_no_prompt": {"batch_size": 1, "initial_prompt": "none"}}


def run_setting(name: str, base, videos: list[Path], gt_dir: Path | None, threads: int) -> dict:
    params = base.model_copy(update=VARIANTS[name])
    prompt = domain_prompt(params)
    get_backend(params, threads)  # load outside the timing
    audio_s = asr_s = 0.0
    refs, hyps, statuses = [], [], {}
    t0 = time.perf_counter()
    for v in videos:
        tr = transcribe_file(v, v.stem, params, prompt, cpu_threads=threads)
        statuses[tr.status] = statuses.get(tr.status, 0) + 1
        audio_s += tr.duration
        asr_s += tr.seconds_elapsed
        if gt_dir is not None and (gt_dir / f"{v.stem}.json").exists():
            refs.append(" ".join(s.text for s in GroundTruth.read(gt_dir / f"{v.stem}.json").sentences))
            hyps.append(" ".join(s.text for s in tr.segments))
    wall = time.perf_counter() - t0
    return {"setting": name, "batch_size": params.batch_size, "prompt": prompt is not None, "videos": len(videos),
            "statuses": statuses, "audio_seconds": round(audio_s, 1), "asr_seconds": round(asr_s, 1),
            "real_time_factor": round(asr_s / audio_s, 4) if audio_s else None, "wall_seconds": round(wall, 1),
            "wer": round(word_error_rate(refs, hyps), 4) if refs else None, "cpu_threads": threads}


def main(argv=None) -> list[dict]:
    ap = argparse.ArgumentParser()
    ap.add_argument("--videos", type=Path, default=Path("data/demo/videos"))
    ap.add_argument("--gt", type=Path, default=Path("data/demo/ground_truth"))
    ap.add_argument("--params", type=Path, default=Path("params.yaml"))
    ap.add_argument("--settings", default="default,batch1,no_prompt")
    ap.add_argument("--limit", type=int, default=0, help="only the first N videos")
    ap.add_argument("--threads", type=int, default=0, help="CPU threads for CTranslate2 (0: asr.cpu_threads or all cores)")
    a = ap.parse_args(argv)
    base = load_params(a.params).asr
    threads = a.threads or base.cpu_threads or (os.cpu_count() or 1)
    videos = sorted(a.videos.glob("*.mp4"))[: a.limit or None]
    if not videos:
        raise SystemExit(f"{a.videos}: no .mp4 files")
    rows = []
    for name in a.settings.split(","):
        if name not in VARIANTS:
            raise SystemExit(f"unknown setting {name!r}; choose from {sorted(VARIANTS)}")
        r = run_setting(name, base, videos, a.gt if a.gt.exists() else None, threads)
        rows.append(r)
        print(json.dumps(r), flush=True)
    return rows


if __name__ == "__main__":
    main()
