"""The import structure docs/ARCHITECTURE.md draws holds: import-linter's contracts in
pyproject.toml (layers, and no circle between siblings) are kept by src/quiltkit, and the same
check fails on a copy with one import that runs back up."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root / "src")}
    cmd = [str(LINT_IMPORTS), "--no-cache", str(root / "pyproject.toml")]
    return subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, timeout=240)


def test_the_layers_and_no_circle_are_kept():
    run = lint_imports(ROOT)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "Contracts: 2 kept, 0 broken." in run.stdout


def test_an_upward_import_or_a_circle_breaks_the_check(tmp_path):
    shutil.copytree(ROOT / "src", tmp_path / "src", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    config = tmp_path / "src" / "quiltkit" / "config.py"  # shared ground reaching up into a domain
    config.write_text(config.read_text() + "\n\ndef _up():\n    from quiltkit.evaluation import gate  # noqa: F401\n")
    tasks = tmp_path / "src" / "quiltkit" / "execution" / "tasks.py"  # tasks <-> runner, a circle
    tasks.write_text(
        tasks.read_text()
        + "\n\ndef _back():\n    from quiltkit.execution import runner  # noqa: F401  (a submodule: tasks <-> runner)\n"
    )
    run = lint_imports(tmp_path)
    assert run.returncode == 1 and "Contracts: 0 kept, 2 broken." in run.stdout, run.stdout[-3000:]
    assert "quiltkit.config -> quiltkit.evaluation.gate" in run.stdout
    assert re.search(r"No cycles are allowed in quiltkit\.execution", run.stdout)


def test_architecture_names_only_files_that_exist():
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    src = ROOT / "src" / "quiltkit"
    named = set(re.findall(r"\b((?:[a-z_]+/)+[a-z_]+\.py)\b", text))
    missing = [n for n in sorted(named) if not any((base / n).exists() for base in (ROOT, src, ROOT / "src"))]
    assert named and not missing, f"docs/ARCHITECTURE.md names files that are not in the tree: {missing}"
