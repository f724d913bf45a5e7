"""Keeping a killed stage's finished videos across `dvc repro`.

DVC deletes a stage's outputs before it runs the stage again, so after a kill -9 mid-stage the
videos that had finished would be redone from scratch. The per-video stages therefore declare
their outputs `persist: true`, and that makes this module necessary: persisted outputs must be
thrown away whenever they were made under *different* inputs, or a changed parameter or a
changed piece of code would leave stale per-video files that the runner then "skips".

The rule: the output directory carries a fingerprint of everything DVC would compare for the
stage (its params as listed in dvc.yaml, and the content of each of its deps). Same fingerprint:
a resumed run, keep the finished videos. Different or missing: wipe and start clean.
"""
from __future__ import annotations

import hashlib
import json
import logging
import shutil
from pathlib import Path

import yaml

from quiltkit.io import atomic_write_text

log = logging.getLogger(__name__)

# Fingerprints live beside the outputs, not inside them, so they are neither part of the DVC
# output's hash nor a stray file in a directory whose listing other stages and tests rely on.
FINGERPRINTS = ".fingerprints"


def marker_for(out_dir: Path) -> Path:
    return out_dir.parent / FINGERPRINTS / f"{out_dir.name}.txt"


def _hash_path(path: Path, h) -> None:
    if path.is_file():
        h.update(path.name.encode())
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    elif path.is_dir():
        for p in sorted(path.rglob("*")):
            # hidden files are dead temp files of quiltkit.io or tool caches, never content
            if p.is_file() and "__pycache__" not in p.parts and not p.name.startswith("."):
                h.update(str(p.relative_to(path)).encode())
                with open(p, "rb") as fh:
                    for block in iter(lambda: fh.read(1 << 20), b""):
                        h.update(block)
    else:
        h.update(b"<missing>")


def _param_value(params: dict, dotted: str):
    node = params
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def stage_fingerprint(stage: str, params: dict, root: Path = Path(".")) -> str:
    """sha256 over the stage's params (as dvc.yaml lists them) and the content of its deps."""
    doc = yaml.safe_load((root / "dvc.yaml").read_text()) or {}
    spec = (doc.get("stages") or {}).get(stage)
    if spec is None:
        raise KeyError(f"dvc.yaml has no stage {stage!r}")
    h = hashlib.sha256()
    keys = [k for entry in spec.get("params", []) for k in ([entry] if isinstance(entry, str) else list(entry))]
    h.update(json.dumps({k: _param_value(params, k) for k in keys}, sort_keys=True, default=str).encode())
    for dep in spec.get("deps", []):
        h.update(b"\0dep:" + str(dep).encode())
        _hash_path(root / dep, h)
    return h.hexdigest()


def claim_output_dir(out_dir: Path, fingerprint: str) -> bool:
    """Prepare out_dir for a run with this fingerprint; True if earlier work was kept."""
    marker = marker_for(out_dir)
    kept = out_dir.is_dir() and marker.is_file() and marker.read_text().strip() == fingerprint
    if out_dir.is_dir() and not kept:
        if any(out_dir.iterdir()):
            log.info("%s: made under other params, code or inputs; starting it afresh", out_dir)
        # Empty it rather than remove it: the directory itself may be a mount point or a symlink.
        for p in out_dir.iterdir():
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p)
            else:
                p.unlink()
    if kept:
        log.info("%s: same params, code and inputs as the interrupted run; keeping its finished videos", out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(marker, fingerprint + "\n")
    return kept
