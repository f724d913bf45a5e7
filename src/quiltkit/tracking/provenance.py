"""What identifies a run: git commit, DVC experiment name, data hashes from dvc.lock."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import yaml


def git_commit(cwd: Path | None = None) -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, timeout=10)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def dvc_experiment_name() -> str:
    # Set by `dvc exp run` for the commands it runs; absent for a plain `dvc repro`.
    return os.environ.get("DVC_EXP_NAME", "workspace")


def data_hashes(root: Path, stage: str | None = None) -> dict[str, str]:
    """md5 of data.dvc's outputs and, when given, of the stage's deps: what this run reads.

    A stage's own entry in dvc.lock describes its *last completed* run: while `dvc repro` runs
    it, the entry still holds the hashes of the inputs it had then, and a dataset rebuilt just
    before training would be tagged with the previous dataset's version. A dep that another
    stage produces is therefore looked up among that stage's outs, which dvc.lock records as
    soon as the producing stage finishes (or keeps, when it was up to date). Other deps (code,
    raw data) come from the stage's entry, next to the git commit that pins them."""
    hashes: dict[str, str] = {}
    data_dvc = root / "data.dvc"
    if data_dvc.exists():
        doc = yaml.safe_load(data_dvc.read_text()) or {}
        for out in doc.get("outs", []):
            hashes[f"data:{out.get('path')}"] = str(out.get("md5", ""))
    lock = root / "dvc.lock"
    if stage and lock.exists():
        stages = (yaml.safe_load(lock.read_text()) or {}).get("stages", {}) or {}
        produced = {
            o["path"]: o["md5"]
            for name, st in stages.items()
            if name != stage
            for o in (st or {}).get("outs", [])
            if "md5" in o
        }
        for dep in (stages.get(stage) or {}).get("deps", []):
            if "md5" in dep:
                hashes[f"dep:{dep['path']}"] = str(produced.get(dep["path"], dep["md5"]))
    return hashes


def params_fingerprint(root: Path) -> str:
    p = root / "params.yaml"
    return hashlib.sha1(p.read_bytes()).hexdigest()[:12] if p.exists() else "none"
