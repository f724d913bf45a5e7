"""Where things live.

The repository root matters for one reason beyond convenience: `dvc exp run --queue` runs each
experiment in a temporary copy under `<repo>/.dvc/tmp/exps/...`. Anything meant to outlive the
experiment (the MLflow store above all) must be resolved against the *original* root, or it
lands in the temp copy and is deleted with it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

OUTPUTS = Path("outputs")
METRICS = Path("metrics")
DATA = Path("data")
# corpus -> (the corpus quiltkit renders, its fixture release: stages/release_fixture.py)
RELEASE_FIXTURES = {
    "demo": (DATA / "demo", DATA / "release_demo"),
    "holdout": (DATA / "holdout", DATA / "release_holdout"),
}

_SAFE_ID = re.compile(r"[^A-Za-z0-9_-]+")


def workspace_root(start: Path | None = None) -> Path:
    """The directory holding dvc.yaml (the current workspace, possibly an experiment copy)."""
    here = (start or Path.cwd()).resolve()
    for p in [here, *here.parents]:
        if (p / "dvc.yaml").exists() or (p / ".dvc").is_dir():
            return p
    return here


def repo_root(start: Path | None = None) -> Path:
    """The original repository root, also from inside a `dvc exp run --queue` temp copy."""
    override = os.environ.get("QUILTKIT_REPO_ROOT")
    if override:
        return Path(override).resolve()
    ws = workspace_root(start)
    parts = ws.parts
    # <root>/.dvc/tmp/exps/<...>/<copy>: the original root is what precedes ".dvc".
    for i in range(len(parts) - 3):
        if parts[i] == ".dvc" and parts[i + 1] == "tmp" and parts[i + 2] == "exps":
            return Path(*parts[:i])
    return ws


def safe_id(raw: str, max_len: int = 64) -> str:
    """A file-name-safe id: no path separators, no '..', no control characters, bounded length.

    Video ids come from the internet (or from a CSV someone edited); they become file names, so
    anything that is not [A-Za-z0-9_-] is replaced and the result is never empty or hidden.
    """
    s = _SAFE_ID.sub("_", str(raw)).strip("_")[:max_len]
    if not s:
        raise ValueError(f"video id {raw[:80]!r} has no usable characters")
    return s


def stage_dir(stage: str) -> Path:
    return OUTPUTS / stage
