"""Which inputs are each per-video stage's own, video by video (see quiltkit.resume).

One place for the four stages that resume per video, so the stage scripts, the tests that plant
an interrupted run's leftovers, and anything else that claims an output directory agree on what
a video's key covers: download a video's row and local source; asr and frames its download
files; text its transcript.
"""

from __future__ import annotations

from pathlib import Path

from quiltkit.config import Params
from quiltkit.contracts import RECORD_SUFFIX
from quiltkit.paths import stage_dir
from quiltkit.resume import upstream_video_keys

UPSTREAM = {"asr": ("download", RECORD_SUFFIX), "frames": ("download", RECORD_SUFFIX), "text": ("asr", ".json")}


def per_video_inputs(stage: str, params: Params, root: Path | str = ".") -> tuple[dict[str, str], list[Path]]:
    """(video id -> key over its own inputs, the paths those inputs live in) for `stage`. For
    download this reads the video list, and so raises on a list the stage cannot use."""
    root = Path(root)
    if stage == "download":
        from quiltkit.video.download import video_keys

        d = params.download
        return video_keys(d.model_copy(update={"video_list": str(root / d.video_list)}), root)
    if stage not in UPSTREAM:
        raise KeyError(f"stage {stage!r} does not resume per video (one of download, {', '.join(UPSTREAM)})")
    upstream, suffix = UPSTREAM[stage]
    folder = root / stage_dir(upstream)
    return upstream_video_keys(folder, suffix), [folder]
