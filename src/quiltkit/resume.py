"""Keeping a stage's finished videos across `dvc repro`: after a kill, and when the list changes.

DVC deletes a stage's outputs before it runs the stage again, so the per-video stages declare
their outputs `persist: true` and decide themselves what of the earlier run still holds. Two
kinds of input decide it:

  - the stage's own: its params as dvc.yaml lists them, and the content of its deps that are
    not per-video inputs (its code, a trained model). These make the stage fingerprint. A
    different fingerprint redoes every video: a changed ASR model changes every transcript.
  - each video's own: its row of the video list and its source, or its files from the stage
    before. Each video carries a key over them. With the same fingerprint, a video whose key is
    unchanged keeps its outputs; a changed key redoes that video only; a video no longer in
    the list has its outputs removed; a new video is simply not done yet.

So adding one lecture to a curated corpus costs one lecture of work, and a killed run resumes
where it stopped (its finished videos have their keys recorded, the rest have no output yet).

Both live in a marker beside the outputs (outputs/.fingerprints/<dir>.txt): JSON with the
fingerprint and every video's key, written before any video is processed. A marker of the older
plain-text form, or none, trusts nothing and starts afresh.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import yaml

from quiltkit.io import atomic_write_text

log = logging.getLogger(__name__)

# Fingerprints live beside the outputs, not inside them, so they are neither part of the DVC
# output's hash nor a stray file in a directory whose listing other stages and tests rely on.
FINGERPRINTS = ".fingerprints"


def marker_for(out_dir: Path) -> Path:
    return out_dir.parent / FINGERPRINTS / f"{out_dir.name}.txt"


def _hash_file(path: Path, h) -> None:
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)


def _hash_path(path: Path, h) -> None:
    if path.is_file():
        h.update(path.name.encode())
        _hash_file(path, h)
    elif path.is_dir():
        for p in sorted(path.rglob("*")):
            # hidden files are dead temp files of quiltkit.io or tool caches, never content
            if p.is_file() and "__pycache__" not in p.parts and not p.name.startswith("."):
                h.update(str(p.relative_to(path)).encode())
                _hash_file(p, h)
    else:
        h.update(b"<missing>")


def _param_value(params: dict, dotted: str):
    node = params
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


_TEMPLATE = re.compile(r"\$\{\s*([A-Za-z0-9_.]+)\s*\}")


def resolve_template(text: str, params: dict) -> str:
    """A dvc.yaml string with its ${a.b} references replaced by the params' values, as DVC's
    templating does; an unknown key raises, naming it."""

    def value(m: re.Match) -> str:
        v = _param_value(params, m.group(1))
        if v is None:
            raise KeyError(f"dvc.yaml refers to ${{{m.group(1)}}}, which params.yaml does not set")
        return str(v)

    return _TEMPLATE.sub(value, text)


def _under(path: str | Path, ancestor: str, root: Path) -> bool:
    p, a = (root / path).resolve(), (root / ancestor).resolve()
    return p == a or a in p.parents


def stage_fingerprint(stage: str, params: dict, root: Path = Path("."), per_video: Iterable[str | Path] = ()) -> str:
    """sha256 over the stage's params (as dvc.yaml lists them) and the content of its deps,
    leaving out the deps that hold per-video inputs (those at or above a path of `per_video`,
    given relative to root): their content reaches each video's key instead."""
    doc = yaml.safe_load((root / "dvc.yaml").read_text()) or {}
    spec = (doc.get("stages") or {}).get(stage)
    if spec is None:
        raise KeyError(f"dvc.yaml has no stage {stage!r}")
    inputs = [str(p) for p in per_video]
    h = hashlib.sha256()
    keys = [k for entry in spec.get("params", []) for k in ([entry] if isinstance(entry, str) else list(entry))]
    h.update(json.dumps({k: _param_value(params, k) for k in keys}, sort_keys=True, default=str).encode())
    for dep in spec.get("deps", []):
        dep = resolve_template(str(dep), params)
        if any(_under(p, dep, root) for p in inputs):
            continue
        h.update(b"\0dep:" + dep.encode())
        _hash_path(root / dep, h)
    return h.hexdigest()


CONTENT_SUFFIXES = (".json", ".tsv", ".txt", ".vtt", ".srt")


def files_key(paths: Iterable[Path]) -> str:
    """A video's key over its input files: the names, and the content of the small text files
    (records, transcripts, subtitles); media files count by size and modification time, as
    reading gigabytes of video on every run to learn nothing changed costs more than it saves,
    and a media file is only ever rewritten by the stage that redid that video."""
    h = hashlib.sha256()
    for p in sorted(Path(p) for p in paths):
        h.update(b"\0" + p.name.encode())
        if p.is_dir():
            for q in sorted(x for x in p.rglob("*") if x.is_file()):
                h.update(str(q.relative_to(p)).encode())
                _hash_file(q, h)
        elif not p.is_file():
            h.update(b"<missing>")
        elif p.suffix in CONTENT_SUFFIXES:
            _hash_file(p, h)
        else:
            st = p.stat()
            h.update(f"{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()


def upstream_video_keys(folder: Path, suffix: str) -> dict[str, str]:
    """Per-video keys over the files an earlier stage wrote to `folder`: one video per file
    named <video_id><suffix> (a download record, a transcript), keyed over all of its files."""
    folder = Path(folder)
    ids = (
        sorted(p.name[: -len(suffix)] for p in folder.glob(f"*{suffix}") if not p.name.startswith("."))
        if folder.is_dir()
        else []
    )
    return {vid: files_key(video_files(folder, vid, ids)) for vid in ids}


def video_files(folder: Path, video_id: str, known: Iterable[str] = ()) -> list[Path]:
    """The entries of `folder` that belong to video_id: named video_id or video_id.<anything>,
    and not to a longer id of `known` that starts the same way (ids "a" and "a.b")."""
    if not folder.is_dir():
        return []
    longer = [k for k in known if k != video_id and k.startswith(video_id + ".")]
    out = []
    for p in folder.iterdir():
        n = p.name
        if (n == video_id or n.startswith(video_id + ".")) and not any(n == k or n.startswith(k + ".") for k in longer):
            out.append(p)
    return sorted(out)


def _remove(p: Path) -> None:
    if p.is_dir() and not p.is_symlink():
        shutil.rmtree(p)
    else:
        p.unlink()


@dataclass
class Claim:
    """What claim_output_dir kept and threw away. `kept`: the stage's fingerprint matched."""

    kept: bool
    unchanged: list[str] = field(default_factory=list)  # listed, inputs as before: outputs stay (done, or still to do)
    changed: list[str] = field(default_factory=list)  # their inputs changed: outputs removed, to be redone
    removed: list[str] = field(default_factory=list)  # no longer in the list: outputs removed

    def __bool__(self) -> bool:
        return self.kept

    def summary(self) -> dict:
        return {"videos_changed": len(self.changed), "videos_removed": len(self.removed), "stage_redone": not self.kept}


def _read_marker(marker: Path) -> tuple[str | None, dict | None]:
    if not marker.is_file():
        return None, None
    text = marker.read_text().strip()
    try:
        d = json.loads(text)
    except ValueError:
        return text, None  # the plain-text marker of a stage-wide fingerprint
    if not isinstance(d, dict):
        return None, None
    return d.get("fingerprint"), d.get("videos")


def claim_output_dir(out_dir: Path, fingerprint: str, videos: dict[str, str] | None = None) -> Claim:
    """Prepare out_dir for a run with this fingerprint and, per video, these keys.

    Without `videos`, the whole directory is kept on the same fingerprint and emptied otherwise.
    With them (video id -> key), on the same fingerprint every video's outputs are judged alone
    (module docstring); entries that belong to no video, past or present (a stage-wide file), are
    left as they are. Call it only once the run's params and inputs are known to be good: it
    deletes."""
    out_dir = Path(out_dir)
    marker = marker_for(out_dir)
    old_fp, old_videos = _read_marker(marker)
    same = out_dir.is_dir() and old_fp == fingerprint and (videos is None or old_videos is not None)
    claim = Claim(kept=same)
    if out_dir.is_dir() and not same:
        if any(out_dir.iterdir()):
            log.info("%s: made under other params, code or stage inputs; starting it afresh", out_dir)
        # Empty it rather than remove it: the directory itself may be a mount point or a symlink.
        for p in out_dir.iterdir():
            _remove(p)
    elif same and videos is not None:
        known = set(videos) | set(old_videos)
        for vid in sorted(known):
            files = video_files(out_dir, vid, known)
            if vid not in videos:
                if files or vid in old_videos:
                    claim.removed.append(vid)
            elif old_videos.get(vid) != videos[vid] and (files or vid in old_videos):
                claim.changed.append(vid)
            else:
                claim.unchanged.append(vid)
                continue
            for p in files:
                _remove(p)
        if claim.changed or claim.removed:
            log.info(
                "%s: %d video(s) with changed inputs redone, %d no longer listed removed, %d kept",
                out_dir,
                len(claim.changed),
                len(claim.removed),
                len(claim.unchanged),
            )
        else:
            log.info("%s: same params and code; every listed video's inputs as before", out_dir)
    elif same:
        log.info("%s: same params, code and inputs as the interrupted run; keeping its finished videos", out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    body = (
        fingerprint
        if videos is None
        else json.dumps({"fingerprint": fingerprint, "videos": videos}, sort_keys=True, indent=0)
    )
    atomic_write_text(marker, body + "\n")
    return claim
