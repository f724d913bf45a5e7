"""ruff's linter and formatter (configured in pyproject.toml) pass over the whole repository, so
`make test`, and with it CI, fails on a style regression the way it fails on a broken test."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUFF = Path(sys.executable).with_name("ruff")


def ruff(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([str(RUFF), *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_ruff_check_passes():
    run = ruff("check", "--no-cache", ".")
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-1000:]


def test_ruff_format_leaves_every_file_as_it_is():
    run = ruff("format", "--check", "--no-cache", ".")
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-1000:]


def test_the_check_fails_on_a_planted_defect(tmp_path):
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    (tmp_path / "bad.py").write_text("import os\nx = {'a':1}\n")  # an unused import, unformatted
    assert ruff("check", "--no-cache", ".", cwd=tmp_path).returncode == 1
    assert ruff("format", "--check", "--no-cache", ".", cwd=tmp_path).returncode == 1
