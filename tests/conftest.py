import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
# Tests never reach a model hub or an outside MLflow server.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("QUILTKIT_NO_MLFLOW", "1")

from tests.tiny_clip import tiny_config, tiny_model  # noqa: E402, F401 (fixtures for every test folder)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Say plainly which tests did not run for want of a machine component, and how to enable
    each (tests/components.py)."""
    from tests.components import summary_lines

    lines = summary_lines(terminalreporter.stats.get("skipped", []))
    if lines:
        terminalreporter.section("missing components", sep="=", yellow=True, bold=True)
        for line in lines:
            terminalreporter.write_line(line, yellow=True)
