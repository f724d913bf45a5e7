"""Print the per-stage wall time of the last pipeline run (from outputs/timings/<stage>.json, where
quiltkit.stage keeps timings out of the metrics files)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml


def main() -> int:
    stages = {}
    for f in ("demo/dvc.yaml", "dvc.yaml"):  # the demo corpus's pipeline, then the main one
        if Path(f).exists():
            stages.update((yaml.safe_load(Path(f).read_text()) or {}).get("stages", {}))
    total = 0.0
    print(f"{'stage':<18}{'seconds':>10}")
    for name, stage in stages.items():
        # the stage's own metrics file, as dvc.yaml declares it (evaluate writes metrics/eval.json)
        declared = [next(iter(m)) if isinstance(m, dict) else m for m in stage.get("metrics", [])]
        p = Path("outputs") / "timings" / (Path(declared[0]).name if declared else f"{name}.json")
        if not p.exists():
            print(f"{name:<18}{'-':>10}")
            continue
        secs = float(json.loads(p.read_text()).get("stage_seconds", 0.0))
        total += secs
        print(f"{name:<18}{secs:>10.1f}")
    print(f"{'total':<18}{total:>10.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
