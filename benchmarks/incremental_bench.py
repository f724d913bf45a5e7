"""One new lecture costs one lecture of work: `dvc repro` on a curated corpus after the list changes.

    PYTHONPATH=src python benchmarks/incremental_bench.py --out metrics/incremental.json

In a scratch copy of the project (--work; the repository's own outputs are never touched) with
its own corpus folder, set by two params (download.video_list, download.corpus_dir), this runs the real pipeline with
`dvc repro dataset`, the way a user does, four times:

  1. from scratch: the 6 demo videos curated into a dataset;
  2. one lecture added to the list (a new file of its own): the per-video stages should process
     1 video and reuse 6, by their own metrics (processed / reused), and take a fraction of (1);
  3. an asr param changed (asr.beam_size): every video is transcribed and texted again (7), while
     dvc does not run download or frames at all;
  4. one video removed from the list: its files leave every per-video stage and its rows leave
     the dataset's metadata.parquet.

The demo corpus and the histology head are built first and not timed (neither depends on the
video list). The figures are counts, which are the claim; the seconds, beside them, are of one
noisy machine: read ratios. The whole re-run's ratio to (1) carries fixed costs that do not
shrink with the work (each stage's Python start-up and model load, dvc hashing its deps, the
dataset stage re-assembling every row and image); each stage's own logged time is given too.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
PER_VIDEO = ("download", "asr", "frames", "text")
NEW_ID = "new_lecture"


def _workspace(work: Path) -> Path:
    """The project's tracked files copied under work/project (code symlinked), with data/raw."""
    ws = work / "project"
    if ws.exists():
        shutil.rmtree(ws)
    ws.mkdir(parents=True)
    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    for f in files:
        if f.startswith(("src/", "tests/")):
            continue
        dst = ws / f
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / f, dst)
    (ws / "src").symlink_to(REPO / "src")
    (ws / "data").mkdir(exist_ok=True)
    (ws / "data/raw").symlink_to(REPO / "data/raw")
    subprocess.run([sys.executable, "-m", "dvc", "init", "--no-scm", "-f", "-q"], cwd=ws, check=True)
    return ws


def _set_params(ws: Path, **dotted) -> None:
    p = yaml.safe_load((ws / "params.yaml").read_text())
    for key, value in dotted.items():
        node = p
        *head, last = key.split(".")
        for h in head:
            node = node[h]
        node[last] = value
    (ws / "params.yaml").write_text(yaml.safe_dump(p, sort_keys=False))


_DONE = re.compile(r"quiltkit\.stage: (\w+) done in ([0-9.]+)s")
_SKIPPED = re.compile(r"Stage '(\w+)' didn't change, skipping")
_LAST: dict = {}  # what the last repro said of each stage


def _repro(ws: Path, *targets: str) -> float:
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO / "src"),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
    }
    t0 = time.perf_counter()
    res = subprocess.run(
        [sys.executable, "-m", "dvc", "repro", *targets], cwd=ws, env=env, capture_output=True, text=True
    )
    wall = time.perf_counter() - t0
    (ws / "repro.log").open("a").write(res.stdout + res.stderr)
    if res.returncode != 0:
        raise SystemExit(f"dvc repro {' '.join(targets)} failed in {ws}:\n{(res.stdout + res.stderr)[-3000:]}")
    text = res.stdout + res.stderr
    _LAST.clear()
    _LAST.update(
        {
            "stage_seconds": {m.group(1): float(m.group(2)) for m in _DONE.finditer(text)},
            "not_run": sorted(set(_SKIPPED.findall(text))),
        }
    )
    return round(wall, 1)


def _counts(ws: Path) -> dict:
    """Each per-video stage's own figures for the last repro; a stage dvc did not run (nothing it
    depends on changed) did no work at all and says so, rather than its previous run's counts."""
    out = {}
    for stage in PER_VIDEO:
        if stage in _LAST["not_run"]:
            out[stage] = {"not_run": True}
            continue
        m = json.loads((ws / "metrics" / f"{stage}.json").read_text())
        out[stage] = {k: m.get(k) for k in ("processed", "reused", "videos_changed", "videos_removed", "stage_redone")}
    return out


def _run(ws: Path) -> dict:
    """One `dvc repro dataset`: its wall time, the per-video stages' counts, and each stage's own
    time as it logs it (model loads included; the rest of the wall is dvc and Python start-up)."""
    seconds = _repro(ws, "dataset")
    return {
        "seconds": seconds,
        "counts": _counts(ws),
        "stage_seconds": dict(_LAST["stage_seconds"]),
        "not_run": list(_LAST["not_run"]),
    }


def _write_list(ws: Path, rows: list[dict]) -> None:
    path = ws / "lectures" / "my_lectures.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def _dataset_videos(ws: Path) -> dict[str, int]:
    import pandas as pd

    df = pd.read_parquet(ws / "outputs/dataset/metadata.parquet")
    df = df[df["video_id"].astype(str) != ""]
    return {str(k): int(v) for k, v in df["video_id"].value_counts().sort_index().items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", default=None, help="scratch directory (default: a new one under /tmp)")
    ap.add_argument("--out", default="metrics/incremental.json")
    a = ap.parse_args()
    work = Path(a.work or f"/tmp/quiltkit_incremental_{os.getpid()}")
    ws = _workspace(work)
    print(f"incremental bench in {ws}", flush=True)

    t = _repro(ws, "demo/dvc.yaml:demo", "histo_classifier")
    print(f"  setup (demo corpus, histology head; untimed in the figures): {t} s", flush=True)
    with open(ws / "data/demo/video_list.csv", newline="", encoding="utf-8") as fh:
        demo_rows = list(csv.DictReader(fh))
    # A user's corpus folder, outside data/demo: the demo's lectures copied in, and later a new
    # one, the last demo video's bytes under another name (every stage does its full work on it).
    (ws / "lectures").mkdir()
    for r in demo_rows:
        shutil.copy(ws / r["url"], ws / "lectures" / Path(r["url"]).name)
        r["url"] = f"lectures/{Path(r['url']).name}"
    shutil.copy(ws / demo_rows[-1]["url"], ws / "lectures/new_lecture.mp4")
    new_row = {**demo_rows[-1], "video_id": NEW_ID, "url": "lectures/new_lecture.mp4", "title": "A new lecture"}

    result: dict = {"videos_at_start": len(demo_rows)}
    _write_list(ws, demo_rows)
    _set_params(ws, **{"download.video_list": "lectures/my_lectures.csv", "download.corpus_dir": "lectures"})
    result["from_scratch"] = {**_run(ws), "dataset_videos": _dataset_videos(ws)}
    print(f"  from scratch: {result['from_scratch']['seconds']} s", flush=True)

    _write_list(ws, demo_rows + [new_row])
    r = {**_run(ws), "dataset_videos": _dataset_videos(ws)}
    r["over_from_scratch"] = round(r["seconds"] / result["from_scratch"]["seconds"], 3)
    r["one_video_of_work"] = all(
        c.get("processed") == 1 and c.get("reused") == len(demo_rows) for c in r["counts"].values()
    )
    scratch = result["from_scratch"]["stage_seconds"]
    r["stage_over_from_scratch"] = {
        k: round(v / scratch[k], 3) for k, v in r["stage_seconds"].items() if scratch.get(k)
    }
    result["add_one"] = r
    print(f"  one added: {r['seconds']} s ({r['over_from_scratch']}x), {r['counts']}", flush=True)

    _set_params(ws, **{"asr.beam_size": 4})
    r = _run(ws)
    n = len(demo_rows) + 1
    r["asr_redid_all"] = r["counts"]["asr"].get("processed") == n and r["counts"]["text"].get("processed") == n
    # download and frames read nothing asr makes: dvc does not even run them
    r["download_and_frames_untouched"] = all(r["counts"][s].get("not_run") for s in ("download", "frames"))
    result["asr_param_changed"] = r
    print(f"  asr.beam_size changed: {r['seconds']} s, {r['counts']}", flush=True)

    gone = demo_rows[0]["video_id"]
    _write_list(ws, demo_rows[1:] + [new_row])
    r = {**_run(ws), "dataset_videos": _dataset_videos(ws), "removed_video": gone}
    left = {
        s: sorted(p.name for p in (ws / "outputs" / s).iterdir() if p.name == gone or p.name.startswith(gone + "."))
        for s in PER_VIDEO
    }
    r["files_left"] = left
    r["rows_left"] = r["dataset_videos"].get(gone, 0)
    r["gone_everywhere"] = not any(left.values()) and r["rows_left"] == 0
    result["remove_one"] = r
    print(f"  {gone} removed: {r['seconds']} s, files left {left}, rows left {r['rows_left']}", flush=True)

    result["meets_target"] = bool(
        result["add_one"]["one_video_of_work"]
        and result["asr_param_changed"]["asr_redid_all"]
        and result["asr_param_changed"]["download_and_frames_untouched"]
        and result["remove_one"]["gone_everywhere"]
    )
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")
    print(f"wrote {out}: meets_target {result['meets_target']}")


if __name__ == "__main__":
    main()
