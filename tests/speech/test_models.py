"""quiltkit.speech.models: which model an asr.model name means, and the assembled base model."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from quiltkit.speech import models
from quiltkit.speech.models import AsrError, assemble, assembled_dir, registry, resolve_faster_whisper_model


def _sha(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


@pytest.fixture
def fake_package(tmp_path, monkeypatch):
    """An importable package holding a model split in two, and a registry entry for it."""
    name = f"fake_model_parts_{tmp_path.name.replace('-', '_')}"  # one per test: imported modules are cached
    pkg = tmp_path / "site" / name
    (pkg / "data").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    a, b, cfg = b"first half|", b"second half", b'{"n": 1}'
    (pkg / "data" / "model.bin.part1").write_bytes(a)
    (pkg / "data" / "model.bin.part2").write_bytes(b)
    (pkg / "data" / "config.json").write_bytes(cfg)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    part = lambda path, data: {"module": name, "path": path, "sha256": _sha(data)}  # noqa: E731
    spec = {
        "kind": "assembled",
        "requirements": ["fake-model-parts==1.0"],
        "licence": "MIT",
        "files": {
            "model.bin": {
                "sha256": _sha(a + b),
                "parts": [part("data/model.bin.part1", a), part("data/model.bin.part2", b)],
            },
            "config.json": {"sha256": _sha(cfg), "parts": [part("data/config.json", cfg)]},
        },
    }
    return pkg, spec


def test_parts_are_joined_checked_and_reused(fake_package, tmp_path):
    _, spec = fake_package
    out = assemble("fake", spec, tmp_path / "cache")
    assert out == assembled_dir("fake", spec, tmp_path / "cache")
    assert (out / "model.bin").read_bytes() == b"first half|second half"
    assert json.loads((out / models.COMPLETE).read_text())["requirements"] == ["fake-model-parts==1.0"]
    mtime = (out / "model.bin").stat().st_mtime_ns
    assert assemble("fake", spec, tmp_path / "cache") == out  # built once: the second call only looks
    assert (out / "model.bin").stat().st_mtime_ns == mtime
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [out.name]  # no temp dir left behind


def test_a_damaged_part_is_refused_before_anything_is_written(fake_package, tmp_path):
    pkg, spec = fake_package
    (pkg / "data" / "model.bin.part2").write_bytes(b"second half, changed")
    with pytest.raises(AsrError, match=r"model\.bin\.part2 has sha256 .* reinstall"):
        assemble("fake", spec, tmp_path / "cache")
    assert not (tmp_path / "cache").exists()


def test_an_unfinished_copy_is_not_trusted(fake_package, tmp_path):
    _, spec = fake_package
    final = assembled_dir("fake", spec, tmp_path / "cache")
    final.mkdir(parents=True)
    (final / "model.bin").write_bytes(b"first ha")  # a kill mid-copy, before the .complete marker
    assert (assemble("fake", spec, tmp_path / "cache") / "model.bin").read_bytes() == b"first half|second half"


def test_a_missing_package_says_what_to_install(fake_package, tmp_path):
    _, spec = fake_package
    spec["files"]["model.bin"]["parts"][1]["module"] = "no_such_model_package"
    with pytest.raises(AsrError, match=r"pip install fake-model-parts==1.0"):
        assemble("fake", spec, tmp_path / "cache")


def test_names_resolve_to_package_assembled_local_or_hub(tmp_path, monkeypatch, model_cache):
    assert set(registry()) >= {"tiny.en", "base"}
    path, local = resolve_faster_whisper_model("tiny.en")
    assert local and (Path(path) / "model.bin").is_file()
    assert resolve_faster_whisper_model("large-v3") == ("large-v3", False)  # a hub name, for users with a network
    with pytest.raises(AsrError, match="no model.bin"):
        resolve_faster_whisper_model(str(tmp_path))
    monkeypatch.setenv(models.CACHE_ENV, str(model_cache))
    base, local = resolve_faster_whisper_model("base")  # the real packages, checked byte for byte
    assert local and Path(base).parent == model_cache
    assert {p.name for p in Path(base).iterdir()} >= {"model.bin", "config.json", "tokenizer.json", "vocabulary.txt"}
    assert len((Path(base) / "vocabulary.txt").read_text().splitlines()) == 51865  # tokens + 1,501 timestamps
    assert resolve_faster_whisper_model(base) == (base, True)  # and its directory is a local model
