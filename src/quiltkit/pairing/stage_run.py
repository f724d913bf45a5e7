"""The pairs stage: every video with frames and text -> outputs/pairs/<vid>.json.

The configured aligner's pairs are written; both aligners are summarised side by side in the
metrics (they are cheap, a few milliseconds per video), so a change to either shows up in
`dvc metrics diff` without re-running anything upstream.
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path

from quiltkit.config import PairsParams
from quiltkit.contracts import ContractError, FrameAnalysis, TextAnalysis
from quiltkit.execution.context import Execution
from quiltkit.execution.runner import run_videos
from quiltkit.execution.tasks import VideoTask
from quiltkit.pairing.align import ALIGNERS, pair_task, pair_video, summarize
from quiltkit.paths import safe_id
from quiltkit.text.keywords import KEYWORDS_PER_CHUNK

log = logging.getLogger(__name__)


def video_inputs(frames_dir: Path, text_dir: Path) -> tuple[list[str], dict[str, str]]:
    """Video ids with both inputs, and {video_id: reason} for those skipped."""
    skipped = {}
    ids = []
    for f in sorted(frames_dir.glob("*.json")):
        vid = f.stem
        if not (text_dir / f"{vid}.json").exists():
            skipped[vid] = f"no text analysis {text_dir / (vid + '.json')}"
            continue
        ids.append(vid)
    for t in sorted(text_dir.glob("*.json")):
        if not (frames_dir / t.name).exists():
            skipped[t.stem] = f"no frame analysis {frames_dir / t.name}"
    for vid, why in skipped.items():
        log.info("pairs: skipping %s: %s", vid, why)
    return ids, skipped


def run_pairs(
    params: PairsParams,
    frames_dir: Path,
    text_dir: Path,
    out_dir: Path,
    execution: Execution = Execution(),
    keywords_per_chunk: int = KEYWORDS_PER_CHUNK,
) -> dict:
    """Image paths resolve against execution.root. `keywords_per_chunk` is text.keywords_per_chunk
    (a text param, so it is passed, not read from PairsParams): how many RAKE keywords each pair
    gets from its own text."""
    ids, skipped = video_inputs(frames_dir, text_dir)
    root = execution.root.resolve()
    tasks = [
        VideoTask(
            vid,
            out_dir / f"{safe_id(vid)}.json",
            {
                "frames": str(frames_dir / f"{vid}.json"),
                "text": str(text_dir / f"{vid}.json"),
                "params": params.model_dump(),
                "root": str(root),
                "keywords_per_chunk": keywords_per_chunk,
            },
        )
        for vid in ids
    ]
    # Pairing a video takes milliseconds: a process pool would cost more than it saves, so the
    # pairs run here whatever execution.workers says.
    results = run_videos(pair_task, tasks, desc="pairs")
    status = {r.video_id: r.status for r in results}
    errors = {r.video_id: r.error for r in results if r.error}
    for vid, err in errors.items():
        log.warning("pairs: %s %s: %s", vid, status[vid], err.splitlines()[0])

    per_aligner = {a: {"pairs": 0, "images_paired": 0, "sentences_used": 0} for a in ALIGNERS}
    chunk_times = {}
    dropped: Counter = Counter()
    for vid in ids:
        if status.get(vid) not in ("ok", "cached"):
            continue
        try:
            files, info = pair_video(
                FrameAnalysis.read(frames_dir / f"{vid}.json"),
                TextAnalysis.read(text_dir / f"{vid}.json"),
                params,
                root,
                keywords_per_chunk,
            )
        except (ContractError, ValueError) as err:
            log.warning("pairs: %s: %s", vid, err)
            continue
        chunk_times[vid] = info["pair_chunk_time"]
        dropped.update(info["sentences_dropped"])
        for a, pf in files.items():
            for k, v in summarize(pf).items():
                per_aligner[a][k] += v
    counts = {s: sum(1 for v in status.values() if v == s) for s in ("ok", "cached", "failed", "skipped")}
    return {
        "aligner": params.aligner,
        **per_aligner[params.aligner],
        "per_aligner": per_aligner,
        "videos": {**counts, "missing_input": len(skipped)},
        "video_errors": {k: v.splitlines()[0] for k, v in errors.items()},
        "pair_chunk_time": chunk_times,
        # sentences never offered to an aligner: too short, repetitive (ASR loops), stretched
        "sentences_dropped": dict(sorted(dropped.items())),
    }
