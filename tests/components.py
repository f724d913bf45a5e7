"""Components a test needs from the machine, and what happens when one is missing.

Some tests stand on something pip cannot install: a browser for the pages we ship, a tmpfs for
a real ENOSPC, root for mounting it. A test that cannot set up its real component must not pass
in its place, nor quietly test a stand-in. It asks for the component with `require(...)`:

- under `make test` on a developer's machine a missing one skips the test, and the session ends
  with a block naming every such test, the component and how to enable it;
- under CI (`QUILTKIT_REQUIRE_COMPONENTS=1`, set by .ci/run) a missing one fails the test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REQUIRE_ENV = "QUILTKIT_REQUIRE_COMPONENTS"
MISSING = "missing component:"  # the skip reason's prefix, which the summary hook looks for


def require(component: str, present: bool, enable: str) -> None:
    if present:
        return
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(
            f"{MISSING} {component} ({REQUIRE_ENV}=1, so this is a failure). To enable: {enable}", pytrace=False
        )
    pytest.skip(f"{MISSING} {component}. To enable: {enable}")


def chromium() -> str:
    """The headless browser the page tests drive: QUILTKIT_CHROMIUM, else Debian's chromium."""
    path = os.environ.get("QUILTKIT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    require(
        "chromium (headless browser for the dataset card and compare report)",
        Path(path).is_file(),
        "apt-get install -y chromium (as root; `bash scripts/ci_setup.sh` does it), or set QUILTKIT_CHROMIUM "
        "to a chromium binary",
    )
    return path


def tmpfs(probe_dir: Path) -> None:
    """Mounting a tiny tmpfs (root, or a user namespace allowing it) for a genuine ENOSPC."""
    probe_dir.mkdir(parents=True, exist_ok=True)
    res = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(probe_dir)], capture_output=True, text=True, timeout=30
    )
    if res.returncode == 0:
        subprocess.run(["umount", str(probe_dir)], check=False, timeout=30)
    require(
        "a mountable tmpfs (full-disk tests need a real ENOSPC from the kernel)",
        res.returncode == 0,
        f"run the tests as root (mount said: {res.stderr.strip() or res.returncode})",
    )


def summary_lines(skipped_reports) -> list[str]:
    """The end-of-session block: each missing component once, with its tests and how to enable it."""
    by_reason: dict[str, list[str]] = {}
    for rep in skipped_reports:
        longrepr = rep.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)
        if reason.startswith("Skipped: "):
            reason = reason[len("Skipped: ") :]
        if reason.startswith(MISSING):
            by_reason.setdefault(reason, []).append(rep.nodeid)
    lines = []
    for reason, nodeids in by_reason.items():
        lines.append(f"NOT RUN ({len(nodeids)} test{'s' if len(nodeids) > 1 else ''}): {reason}")
        lines += [f"    {n}" for n in nodeids]
    if lines:
        lines.append(
            f"These tests did not run, so they did not pass. CI sets {REQUIRE_ENV}=1, which makes each a failure."
        )
    return lines
