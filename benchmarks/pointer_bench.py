"""What tracking the pointer costs the frames stage: each corpus video analysed with
frames.pointer on and off, in alternating order, and the ratio of the two wall times.

    PYTHONPATH=src python benchmarks/pointer_bench.py [--videos data/demo/videos data/holdout/videos] \
        [--repeats 3] [--out metrics/pointer_bench.json]

Both runs of a pair use the same process, classifier and video, so the ratio reads the tracking
alone (the median it is read against is computed either way). The machines are noisy: the
figure is the median over repeats of the corpus's on/off ratio, and each run's seconds are
kept beside it. Timings, not metrics: nothing in dvc.yaml reads this file.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run(videos: list[Path], repeats: int, model: Path) -> dict:
    from quiltkit.config import load_params
    from quiltkit.video.frames import analyse_video
    from quiltkit.video.stage_run import process_classifier

    params = load_params(REPO / "params.yaml").frames
    h = params.histology.model_copy(update={"model_path": str(model)})
    clf = process_classifier(h)
    on = params.model_copy(update={"histology": h, "pointer": params.pointer.model_copy(update={"enabled": True})})
    off = params.model_copy(update={"histology": h, "pointer": params.pointer.model_copy(update={"enabled": False})})
    rounds = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)

        def timed(v: Path, p) -> float:
            t0 = time.perf_counter()
            fa = analyse_video(v.stem, v, work / f"{v.stem}.json", work / v.stem, "x", p, clf)
            if fa.status != "ok":
                raise RuntimeError(f"{v}: {fa.error}")
            return time.perf_counter() - t0

        timed(videos[0], off)  # warm: first decode, classifier load
        for r in range(repeats):
            secs = {"on": 0.0, "off": 0.0}
            for i, v in enumerate(videos):
                order = ("on", "off") if (i + r) % 2 == 0 else ("off", "on")
                for k in order:
                    secs[k] += timed(v, on if k == "on" else off)
            rounds.append({k: round(s, 2) for k, s in secs.items()} | {"ratio": round(secs["on"] / secs["off"], 4)})
    return {
        "videos": [str(v.relative_to(REPO)) if v.is_relative_to(REPO) else str(v) for v in videos],
        "repeats": repeats,
        "frames_on_over_off": statistics.median(r["ratio"] for r in rounds),
        "rounds": rounds,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--videos", nargs="+", default=["data/demo/videos", "data/holdout/videos"])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--model", default="outputs/histo_classifier/model.json")
    ap.add_argument("--out", default="metrics/pointer_bench.json")
    a = ap.parse_args()
    videos = sorted(p for d in a.videos for p in (REPO / d).glob("*.mp4"))
    if not videos:
        raise SystemExit(f"pointer_bench: no .mp4 under {a.videos} (run `dvc repro` first)")
    res = run(videos, a.repeats, REPO / a.model)
    out = REPO / a.out
    out.write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in res.items() if k != "rounds"}, indent=1))


if __name__ == "__main__":
    main()
