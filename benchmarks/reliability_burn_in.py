"""The reliability tests under load: N consecutive runs of tests/reliability beside CPU burners.

A test that passes alone and fails on a busy CI machine is a flaky test, and the reliability
suite is the one most at risk: it kills processes, fills disks and starts servers, all of it
timed by the machine. This runs the folder again and again while `--burners` processes spin
on the CPU (each a Python busy loop, so the machine is overloaded by that many cores), and
records every run's outcome and the node ids that failed.

    PYTHONPATH=src python benchmarks/reliability_burn_in.py [--runs 10] [--burners 2] [--tests tests/reliability]

Writes metrics/reliability_burn_in.json: runs, green runs, the longest streak of consecutive
green runs, and each failure. Wall times go to stdout only (timings are not metrics); no DVC
stage reads the file and the gate does not check it.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from quiltkit.io import write_json

ROOT = Path(__file__).resolve().parents[1]
BURN = "while True: pass"


def run_once(tests: list[str], timeout: float, log: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests]
    t0 = time.monotonic()
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=60)
            rc = "timeout"
    text = log.read_text(errors="replace")
    failed = sorted(set(re.findall(r"^(?:FAILED|ERROR) (\S+)", text, flags=re.M)))
    summary = next((ln for ln in reversed(text.splitlines()) if re.search(r"\d+ (passed|failed)", ln)), "")
    return {
        "rc": rc,
        "green": rc == 0,
        "failed": failed,
        "summary": summary.strip("= "),
        "wall_s": round(time.monotonic() - t0, 1),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--burners", type=int, default=2)
    ap.add_argument("--tests", nargs="+", default=["tests/reliability"])
    ap.add_argument("--timeout", type=float, default=3600, help="seconds per run of the folder")
    ap.add_argument("--logs", type=Path, default=Path("/tmp/qk/burn_in"))
    ap.add_argument("--out", type=Path, default=ROOT / "metrics" / "reliability_burn_in.json")
    args = ap.parse_args(argv)
    args.logs.mkdir(parents=True, exist_ok=True)
    burners = [subprocess.Popen([sys.executable, "-c", BURN]) for _ in range(args.burners)]
    runs = []
    try:
        for i in range(1, args.runs + 1):
            r = run_once(args.tests, args.timeout, args.logs / f"run{i:02d}.log")
            runs.append(r)
            print(
                f"run {i}/{args.runs}: {'green' if r['green'] else 'RED'} in {r['wall_s']} s ({r['summary']})"
                + (f" failed: {r['failed']}" if r["failed"] else ""),
                flush=True,
            )
            streak = best = 0
            for x in runs:
                streak = streak + 1 if x["green"] else 0
                best = max(best, streak)
            write_json(
                args.out,
                {
                    "tests": args.tests,
                    "burners": args.burners,
                    "cpus": os.cpu_count(),
                    "runs": len(runs),
                    "green": sum(x["green"] for x in runs),
                    "longest_green_streak": best,
                    "outcomes": [
                        {
                            "run": k + 1,
                            "green": x["green"],
                            "rc": x["rc"],
                            "failed": x["failed"],
                            "summary": re.sub(r" in [\d.]+s.*$", "", x["summary"]),
                        }
                        for k, x in enumerate(runs)
                    ],
                },
            )
    finally:
        for b in burners:
            b.kill()
            b.wait(timeout=30)
    return 0 if all(x["green"] for x in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
