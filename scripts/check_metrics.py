#!/usr/bin/env python
"""Fail (exit 1) when fresh metrics regress beyond metrics/thresholds.yaml.

PYTHONPATH=src python scripts/check_metrics.py                  # vs the committed HEAD versions
PYTHONPATH=src python scripts/check_metrics.py --rev main~1
PYTHONPATH=src python scripts/check_metrics.py --baseline some/dir --files eval.json
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

try:
    from quiltkit.evaluation.gate import GateConfigError, run_gate
except ImportError:  # run from a checkout without PYTHONPATH=src or an installed package
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from quiltkit.evaluation.gate import GateConfigError, run_gate


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--metrics-dir", type=Path, default=Path("metrics"))
    ap.add_argument("--thresholds", type=Path, default=Path("metrics/thresholds.yaml"))
    ap.add_argument("--baseline", type=Path, default=None, help="folder of baseline JSON files instead of git")
    ap.add_argument("--rev", default="HEAD", help="git revision holding the baseline metrics")
    ap.add_argument("--files", nargs="*", default=None, help="metrics files to check (default: all in thresholds.yaml)")
    ap.add_argument("-v", "--verbose", action="store_true", help="also list unchecked and new metrics")
    args = ap.parse_args(argv)
    try:
        result = run_gate(args.metrics_dir, args.thresholds, args.baseline, args.rev, args.files)
    except (GateConfigError, RuntimeError) as err:
        print(f"check_metrics: {err}", file=sys.stderr)
        return 2
    print(result.report(verbose=args.verbose))
    return 0 if result.passed else 1


if __name__ == "__main__":
    sys.exit(main())
