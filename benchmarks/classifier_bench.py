"""How well the histology classifier generalizes: per style group, and on the held-out corpus.

    PYTHONPATH=src python benchmarks/classifier_bench.py --out metrics/classifier_bench.json
    PYTHONPATH=src python benchmarks/classifier_bench.py --skip-curation   # frames only, ~2 min

Three measurements, each for the default backend (effnet: EfficientNet-Lite0 features joined
to the stain features) and for the stain baseline:

  leave_one_group_out  for each style group G of the training frames (data/demo/classifier_frames,
                       whose labels.csv names each frame's style and group): train the head on
                       every other group, test on G. A histology group's figure is its recall, a
                       non-histology group's its specificity (1 - false-positive rate).
  holdout_frames       train on all training frames, test on frames of the held-out styles
                       (styles.yaml split: holdout), rendered here with their own seed.
  curation             the frames and pairs steps re-run with each backend on the demo corpus and
                       on the held-out corpus (reusing the pipeline's downloads and text), scored
                       against the ground truth: the figures of metrics/curation.json, per backend.

Features are computed once per frame and the heads refit per fold, so the table costs one pass
of the backbone. Figures only: no timings go in the output.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from quiltkit.config import load_params  # noqa: E402
from quiltkit.execution.context import Execution  # noqa: E402

BACKENDS = ("effnet", "stain")


def _rows(labels_csv: Path) -> list[dict]:
    with open(labels_csv, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        p = Path(r["filepath"])
        r["path"] = p if p.is_absolute() or p.exists() else labels_csv.parent / p
    return rows


def _features(rows: list[dict]) -> dict[str, np.ndarray]:
    from quiltkit.video.effnet import EffnetFeatures
    from quiltkit.video.histology import load_rgb, stain_features

    images = [load_rgb(r["path"]) for r in rows]
    stain = np.stack([stain_features(im) for im in images])
    deep = EffnetFeatures().features(images)
    return {"effnet": np.concatenate([deep, stain], 1), "stain": stain}


def _fit_predict(Xtr, ytr, Xte, C: float) -> np.ndarray:
    """The trainers' own recipe (its final fit uses all of Xtr), then P(histology) on Xte."""
    from quiltkit.video.linear_head import fit_logistic_head

    sc, clf, _ = fit_logistic_head(Xtr, ytr, C=C, max_iter=5000)
    return clf.predict_proba(sc.transform(Xte))[:, 1]


C_OF = {"effnet": 0.1, "stain": 1.0}  # the C each backend's trainer uses


def leave_one_group_out(rows: list[dict], feats: dict[str, np.ndarray], thr: float) -> dict:
    y = np.array([r["label"] == "histology" for r in rows], int)
    groups = np.array([r.get("group") or r.get("kind") for r in rows])
    out = {}
    for g in sorted(set(groups)):
        test = groups == g
        label = "histology" if y[test].all() else "other" if not y[test].any() else "mixed"
        cell = {
            "label": label,
            "frames": int(test.sum()),
            "styles": sorted({r["kind"] for r, t in zip(rows, test) if t}),
        }
        for b in BACKENDS:
            p = _fit_predict(feats[b][~test], y[~test], feats[b][test], C_OF[b])
            cell[b] = round(float(((p >= thr) == y[test]).mean()), 4)
        out[g] = cell
    return out


def holdout_frames(train_rows, train_feats, thr: float, per_class: int, seed: int) -> dict:
    from quiltkit.config import DemoParams
    from quiltkit.demo.eval_sets import relative_to, write_classifier_frames

    p = load_params(REPO / "params.yaml")
    demo = DemoParams.model_validate(
        {**p.demo.model_dump(), "style_split": "holdout", "classifier_frames_per_class": per_class}
    )
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        write_classifier_frames(tmp, relative_to(tmp, tmp, tmp), demo, seed, REPO)
        rows = _rows(tmp / "classifier_frames" / "labels.csv")
        for r in rows:
            r["path"] = tmp / r["filepath"]
        feats = _features(rows)
    y_tr = np.array([r["label"] == "histology" for r in train_rows], int)
    y = np.array([r["label"] == "histology" for r in rows], int)
    out = {"frames": len(rows)}
    for b in BACKENDS:
        pred = _fit_predict(train_feats[b], y_tr, feats[b], C_OF[b]) >= thr
        tp, fp, fn = int((pred & (y == 1)).sum()), int((pred & (y == 0)).sum()), int((~pred & (y == 1)).sum())
        by_style = {}
        for r, ok in zip(rows, pred == y):
            s = by_style.setdefault(r["kind"], [0, 0])
            s[0] += int(ok)
            s[1] += 1
        out[b] = {
            "precision": round(tp / (tp + fp), 4) if tp + fp else 1.0,
            "recall": round(tp / (tp + fn), 4) if tp + fn else 1.0,
            "accuracy": round(float((pred == y).mean()), 4),
            "tp": tp,
            "fp": fp,
            "fn": fn,
            "accuracy_by_style": {k: round(a / n, 4) for k, (a, n) in sorted(by_style.items())},
        }
    return out


def curation(backend: str, work: Path) -> dict:
    """frames + pairs with `backend` on both corpora, scored; asr and text are the pipeline's."""
    from quiltkit.pairing.stage_run import run_pairs
    from quiltkit.scoring.curation import score_corpus, side_by_side
    from quiltkit.text.vocabulary import core_vocabulary
    from quiltkit.video.classifiers import train_classifier
    from quiltkit.video.stage_run import run_frames

    p = load_params(REPO / "params.yaml")
    h = p.frames.histology
    model = work / backend / "model.json"
    train_classifier(backend, REPO / h.train_frames, seed=p.project.seed)[0].save(model)
    frames = p.frames.model_copy(
        update={"histology": h.model_copy(update={"backend": backend, "model_path": str(model)})}
    )
    scored = {}
    for corpus, base in (("demo", REPO / "outputs"), ("holdout", REPO / "outputs" / "holdout")):
        out = work / backend / corpus
        run_frames(frames, base / "download", out / "frames", Execution.of(p.project, root=REPO))
        run_pairs(
            p.pairs,
            out / "frames",
            base / "text",
            out / "pairs",
            Execution(root=REPO),
            keywords_per_chunk=p.text.keywords_per_chunk,
        )
        gt = REPO / "data" / corpus / "ground_truth"
        scored[corpus] = score_corpus(
            gt, base / "asr", out / "frames", base / "text", p.pairs, REPO, vocab=core_vocabulary()
        )
    table = side_by_side(scored)
    keep = ("scene_boundary_f1", "histology_precision", "histology_recall", "pair_precision", "pair_recall")
    return {
        "figures": {k: table[k] for k in keep},
        "histology_by_group": {c: m.get("histology_by_group", {}) for c, m in scored.items()},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="metrics/classifier_bench.json")
    ap.add_argument("--holdout-frames-per-class", type=int, default=80)
    ap.add_argument("--skip-curation", action="store_true")
    a = ap.parse_args()
    os.chdir(REPO)  # the pipeline's paths are relative to the repository root
    p = load_params("params.yaml")
    thr = p.frames.histology.threshold
    rows = _rows(Path(p.frames.histology.train_frames) / "labels.csv")
    feats = _features(rows)
    result = {
        "threshold": thr,
        "training_frames": len(rows),
        "leave_one_group_out": leave_one_group_out(rows, feats, thr),
        "holdout_frames": holdout_frames(rows, feats, thr, a.holdout_frames_per_class, seed=p.holdout.seed + 1),
    }
    if not a.skip_curation:
        with tempfile.TemporaryDirectory(dir=REPO / "outputs") as work:
            # inside the repository: frames writes image paths relative to it
            result["curation"] = {b: curation(b, Path(work)) for b in BACKENDS}
    Path(a.out).write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "leave_one_group_out"}, indent=1)[:3000])
    for g, c in result["leave_one_group_out"].items():
        print(f"{g:<10} {c['label']:<9} n={c['frames']:<4} effnet {c['effnet']:.3f}  stain {c['stain']:.3f}")


if __name__ == "__main__":
    main()
