"""File writing that survives crashes.

Every output is written to a temporary file in the same directory and renamed into place, so a
kill -9 or a full disk never leaves a half-written file under the final name that a later stage
(or a re-run's "already done" check) would trust.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

_UMASK = os.umask(0)
os.umask(_UMASK)


@contextmanager
def atomic_path(path: Path | str, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path next to `path`; rename it over `path` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix or path.suffix or ".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    # mkstemp creates 0600; outputs are ordinary files, so give them the mode open() would.
    os.chmod(tmp_path, 0o666 & ~_UMASK)
    try:
        yield tmp_path
        with open(tmp_path, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def atomic_write_bytes(path: Path | str, data: bytes) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def atomic_write_text(path: Path | str, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def write_json(path: Path | str, obj: object) -> None:
    atomic_write_text(path, json.dumps(obj, indent=1, sort_keys=True, default=str) + "\n")


def sha256_file(*paths: Path | str) -> str:
    """The SHA-256 (hex) of the files' bytes, in order, read a megabyte at a time (model weights
    run to hundreds of MB)."""
    h = hashlib.sha256()
    for p in paths:
        with open(p, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()


def read_json(path: Path | str) -> object:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def read_string_list(path: Path | str, key: str) -> list[str]:
    """`{key: [non-empty strings]}` from a JSON data file (prompt templates, class names); a
    missing file names the ones that are there."""
    path = Path(path)
    if not path.exists():
        known = sorted(p.stem for p in path.parent.glob("*.json"))
        raise FileNotFoundError(f"no {path.parent.name} file {path} (known: {known})")
    obj = read_json(path)
    values = obj.get(key) if isinstance(obj, dict) else None
    if not isinstance(values, list) or not values or not all(isinstance(v, str) and v for v in values):
        raise ValueError(f'{path}: expected {{"{key}": [non-empty strings]}}')
    return values


def clean_temp_files(directory: Path | str) -> int:
    """Remove temp files a killed run left behind; returns how many."""
    n = 0
    directory = Path(directory)
    if directory.exists():
        for p in directory.rglob(".*.*"):
            if p.is_file() and p.name.startswith("."):
                p.unlink()
                n += 1
    return n
