"""File writing that survives crashes.

Every output is written to a temporary file in the same directory and renamed into place, so a
kill -9 or a full disk never leaves a half-written file under the final name that a later stage
(or a re-run's "already done" check) would trust.
"""

from __future__ import annotations

import hashlib
import json
import lzma
import os
import tarfile
import tempfile
import zlib
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

# What reading a damaged tar raises, whichever reader meets it: TarError for a bad header,
# EOFError for a compressed shard cut short, LZMAError / zlib.error for a flipped byte inside an xz
# or gzip stream, OSError for bz2's (and a truncated plain tar's). Every reader of shards catches
# all of them, so one damaged file is named, not a traceback from deep inside tarfile.
TAR_READ_ERRORS = (tarfile.TarError, OSError, EOFError, lzma.LZMAError, zlib.error)

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


def read_yaml_tables(path: Path | str, tables: Iterable[str], what: str) -> dict:
    """The named tables of a YAML data file next to the module that reads it (demo/data/*.yaml,
    evaluation/data/*.yaml), read with yaml.safe_load. A missing file, bad YAML, a document that
    is not a mapping or a missing table is an error naming the file; `what` says what the file
    holds. Each caller checks its tables' shapes (string_list does the common one)."""
    import yaml

    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: {what} are missing") from None
    except yaml.YAMLError as err:
        raise ValueError(f"{path}: not valid YAML: {err}") from None
    if not isinstance(doc, dict):
        raise ValueError(f"{path}: expected a mapping of table names to tables")
    missing = [k for k in tables if k not in doc]
    if missing:
        raise ValueError(f"{path}: tables {missing} missing")
    return doc


def string_list(path: Path | str, key: str, value) -> list[str]:
    """`value`, the table `key` of the data file `path`, if it is a non-empty list of non-empty
    strings; otherwise an error naming both."""
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise ValueError(f"{path}: {key} must be a non-empty list of non-empty strings")
    return value


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
