"""Curate a corpus end to end under one folder: download -> asr -> frames -> text -> pairs.

The main pipeline runs these as five DVC stages, each its own cache entry. A corpus that is
only scored (the held-out corpus) or only timed (the curation benchmark) needs the same
drivers with the same params, pointed at another video list and another output root; this is
that call, so neither re-states the wiring. Each driver resumes per video as in its stage, so
a killed run picks up where it stopped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from quiltkit.config import Params
from quiltkit.execution.context import Execution

STEPS = ("download", "asr", "frames", "text", "pairs")


def _run(name: str, fn: Callable[[], dict]) -> dict:
    return fn()


def curate_corpus(
    p: Params,
    video_list: Path | str,
    out: Path | str,
    *,
    execution: Execution = Execution(),
    step_hook: Callable[[str, Callable[[], dict]], dict] = _run,
) -> dict[str, dict]:
    """Each step's metrics by step name. Every step gets `execution` whole (its seed, root and
    workers); `step_hook(name, fn)` runs a step (a benchmark times it)."""
    from quiltkit.pairing.stage_run import run_pairs
    from quiltkit.speech.stage_run import run_asr
    from quiltkit.text.stage_run import run_text
    from quiltkit.video.stage_run import run_download, run_frames

    out = Path(out)
    download = p.download.model_copy(update={"video_list": str(video_list)})
    steps = {
        "download": lambda: run_download(download, out / "download", execution),
        "asr": lambda: run_asr(p.asr, out / "download", out / "asr", execution=execution),
        "frames": lambda: run_frames(p.frames, out / "download", out / "frames", execution=execution),
        "text": lambda: run_text(p.text, out / "asr", out / "text", execution=execution),
        "pairs": lambda: run_pairs(
            p.pairs,
            out / "frames",
            out / "text",
            out / "pairs",
            execution=execution,
            keywords_per_chunk=p.text.keywords_per_chunk,
        ),
    }
    metrics = {}
    for name in STEPS:
        (out / name).mkdir(parents=True, exist_ok=True)
        metrics[name] = step_hook(name, steps[name])
    return metrics
