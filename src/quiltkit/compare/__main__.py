"""Compare two versions of the dataset.

    PYTHONPATH=src python -m quiltkit.compare REV_A REV_B [--out outputs/compare] [--root .]

REV is a git revision, a `dvc exp` experiment's name, or `workspace`. Writes report.md,
report.html, report.json (the numbers, for a gate), caption_length.csv (DVC plots data) and
distributions.png to <out>/<A>_vs_<B>/. See quiltkit.compare.report.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from quiltkit.compare.report import CompareError, compare_frames, load_metadata, write_report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("rev_a")
    ap.add_argument("rev_b")
    ap.add_argument("--root", type=Path, default=Path("."))
    ap.add_argument("--out", type=Path, default=Path("outputs/compare"))
    a = ap.parse_args(argv)
    try:
        rep = compare_frames(load_metadata(a.rev_a, a.root), load_metadata(a.rev_b, a.root))
    except CompareError as err:
        print(f"compare: {err}", file=sys.stderr)
        return 2
    safe = lambda s: re.sub(r"[^A-Za-z0-9_.-]", "_", s)[:40]  # noqa: E731  (revisions become a folder name)
    files = write_report(rep, a.rev_a, a.rev_b, a.out / f"{safe(a.rev_a)}_vs_{safe(a.rev_b)}")
    d = rep["delta"]
    print(
        f"rows {d['rows']:+d} ({d['rows_entered']} entered, {d['rows_left']} left), images {d['images']:+d}; "
        f"report: {files[0]}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
