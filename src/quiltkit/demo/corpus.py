"""Build the whole demo corpus (data/demo) from params: videos + GT, eval sets, external pairs,
classifier frames, manifest.

The corpus is written into a temporary sibling directory and swapped in at the end, so a killed
run never leaves a half corpus that a later stage would trust, and a re-run replaces the old
corpus cleanly instead of mixing old and new files.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import shutil
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from tqdm import tqdm

from quiltkit.config import DemoParams
from quiltkit.demo import eval_sets
from quiltkit.demo.lecture import make_video
from quiltkit.demo.package_images import check as package_images_present
from quiltkit.demo.plan import package_images
from quiltkit.demo.tissue_classes import CLASS_INFO
from quiltkit.execution.tasks import TaskResult, VideoTask
from quiltkit.io import atomic_write_text, write_json

log = logging.getLogger(__name__)


EVAL_SETS = ("external", "classifier", "patches", "retrieval")  # the long image sets first, so they are not the tail

# What the demo's video list says of its lectures, the way a researcher's own list would: they
# are synthetic renders of this project, so free of anyone's rights; the date is fixed (not the
# build's) so that a rebuilt corpus is byte-identical.
DEMO_CHANNEL = "quiltkit demo channel"
DEMO_UPLOADER = "quiltkit demo corpus (synthetic)"
DEMO_LICENSE = "CC0-1.0"
DEMO_UPLOAD_DATE = "20260101"


def video_id(i: int, prefix: str = "demo") -> str:
    return f"{prefix}_{i:03d}"


def _make_one(task: VideoTask) -> dict:
    a = task.args
    demo = DemoParams.model_validate(a["demo"])
    gt = make_video(task.video_id, a["index"], a["seed"], demo, Path(a["videos"]), Path(a["gt"]), Path(a["raw_root"]))
    return {
        "title": gt.title,
        "duration": gt.duration,
        "shots": len(gt.shots),
        "histology_shots": sum(s.kind == "histology" for s in gt.shots),
        "sentences": len(gt.sentences),
        "expected_pairs": sum(len(p.sentence_indices) > 0 for p in gt.expected_pairs),
        "expected_pair_sentences": sum(len(p.sentence_indices) for p in gt.expected_pairs),
        "negated_sentences": sum(bool(s.negated_terms) for s in gt.sentences),
        "speech_seconds": round(sum(s.end - s.start for s in gt.sentences), 3),
        "silences": len(gt.silences),
    }


def _style_counts(gt_dir: Path) -> dict[str, int]:
    """Shots per style over the corpus's ground truth: which styles a corpus really shows."""
    from collections import Counter

    from quiltkit.contracts import GroundTruth

    c = Counter(s.style for p in sorted(gt_dir.glob("*.json")) for s in GroundTruth.read(p).shots)
    return dict(sorted(c.items()))


def _video_result(task: VideoTask) -> TaskResult:
    # one broken video is recorded with its error and skipped, never fails the corpus
    try:
        return TaskResult(task.video_id, "ok", _make_one(task))
    except Exception as exc:
        return TaskResult(task.video_id, "failed", {}, f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}")


def _eval_set(name: str, work: Path, rel, demo_dict: dict, seed: int, raw_root: Path) -> dict:
    demo = DemoParams.model_validate(demo_dict)
    if name == "patches":
        return eval_sets.write_patches(work, rel, demo, seed)
    if name == "retrieval":
        return eval_sets.write_retrieval(work, rel, demo, seed)
    if name == "external":
        return eval_sets.write_external(work, rel, demo, seed, raw_root)
    if name == "classifier":
        return eval_sets.write_classifier_frames(work, rel, demo, seed, raw_root)
    raise ValueError(f"unknown image set {name!r}; known: {EVAL_SETS}")


def build_corpus(
    demo: DemoParams,
    seed: int,
    out: Path | str = "data/demo",
    root: Path | str = ".",
    raw_root: Path | str | None = None,
    workers: int = 1,
    sets: tuple[str, ...] = EVAL_SETS,
    prefix: str = "demo",
) -> dict:
    """Write the corpus to `out`; CSV paths are relative to `root`. Returns the metrics dict.
    `sets` are the still-image sets to write besides the videos (the held-out corpus has none:
    it is only scored); `prefix` names the videos (demo_000, holdout_000, ...)."""
    t0 = time.time()
    seed = int(seed) % 2**32  # SeedSequence wants a non-negative int; 1337 stays 1337
    out, root = Path(out), Path(root)
    raw_root = Path(raw_root) if raw_root is not None else root
    if not package_images_present(raw_root):
        raise FileNotFoundError(
            f"{raw_root / 'data/raw/package_images'}: package images missing; "
            "run `python -m quiltkit.demo.package_images`"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    # a killed earlier run leaves its temp or old copy behind: remove them, they are never read
    for stale in [*out.parent.glob(f".{out.name}.tmp-*"), *out.parent.glob(f".{out.name}.old-*")]:
        log.info("removing %s left by an interrupted run", stale)
        shutil.rmtree(stale, ignore_errors=True)
    work = out.parent / f".{out.name}.tmp-{os.getpid()}"
    work.mkdir()
    try:
        metrics = _build(demo, seed, out, work, root, raw_root, workers, sets, prefix)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    # swap: the old corpus goes only once the new one is complete
    if out.exists():
        old = out.parent / f".{out.name}.old-{os.getpid()}"
        os.replace(out, old)
        os.replace(work, out)
        shutil.rmtree(old)
    else:
        os.replace(work, out)
    metrics["generation_seconds"] = round(time.time() - t0, 2)
    metrics["bytes"] = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    log.info(
        "demo corpus in %s: %d videos (%d failed), %d shots, %d sentences, %d MB, %.1f s",
        out,
        metrics["videos"],
        metrics["videos_failed"],
        metrics["shots"],
        metrics["sentences"],
        metrics["bytes"] // 2**20,
        metrics["generation_seconds"],
    )
    return metrics


def _build(
    demo: DemoParams, seed: int, out: Path, work: Path, root: Path, raw_root: Path, workers: int, sets, prefix: str
) -> dict:
    rel = eval_sets.relative_to(root, out, work)
    videos, gt_dir = work / "videos", work / "ground_truth"
    videos.mkdir()
    gt_dir.mkdir()
    tasks = [
        VideoTask(
            video_id(i, prefix),
            videos / f"{video_id(i, prefix)}.mp4",
            {
                "index": i,
                "seed": seed,
                "demo": demo.model_dump(),
                "videos": str(videos),
                "gt": str(gt_dir),
                "raw_root": str(raw_root),
            },
        )
        for i in range(demo.n_videos)
    ]
    # Videos and the still-image sets are independent: one pool runs them all. A failed video is
    # recorded and skipped (the runner's rule); a failed image set is a bug and fails the build.
    counts: dict = {}
    results: list[TaskResult] = []
    bar = tqdm(total=len(tasks) + len(sets), desc="demo corpus", unit="item")
    with ProcessPoolExecutor(max_workers=max(1, workers)) as pool:
        set_futs = {pool.submit(_eval_set, name, work, rel, demo.model_dump(), seed, raw_root): name for name in sets}
        vid_futs = {pool.submit(_video_result, t): t for t in tasks}
        for fut in as_completed([*set_futs, *vid_futs]):
            bar.update()
            if fut in set_futs:
                counts.update(fut.result())
            else:
                r = fut.result()
                if r.status == "failed":
                    log.warning("demo video %s failed: %s", r.video_id, (r.error or "").splitlines()[0])
                results.append(r)
    bar.close()
    results.sort(key=lambda r: r.video_id)
    statuses = {r.video_id: {"status": r.status, "error": r.error, **r.summary} for r in results}
    ok = [r for r in results if r.status == "ok"]
    if not ok:
        raise RuntimeError(
            "no demo video could be generated: "
            + "; ".join(f"{r.video_id}: {(r.error or '').splitlines()[0]}" for r in results)
        )

    buf = io.StringIO()
    wr = csv.writer(buf, lineterminator="\n")
    wr.writerow(["video_id", "url", "title", "channel", "duration", "uploader", "license", "upload_date"])
    for r in ok:
        wr.writerow(
            [
                r.video_id,
                rel(videos / f"{r.video_id}.mp4"),
                r.summary["title"],
                DEMO_CHANNEL,
                f"{r.summary['duration']:.3f}",
                DEMO_UPLOADER,
                DEMO_LICENSE,
                DEMO_UPLOAD_DATE,
            ]
        )
    atomic_write_text(work / "video_list.csv", buf.getvalue())

    write_json(work / "eval" / "classnames.json", list(demo.tissue_classes))
    exact, near = counts.pop("exact_duplicates", []), counts.pop("near_duplicates", [])

    metrics = {
        "videos": len(ok),
        "videos_failed": len(results) - len(ok),
        "shots": sum(r.summary["shots"] for r in ok),
        "histology_shots": sum(r.summary["histology_shots"] for r in ok),
        "sentences": sum(r.summary["sentences"] for r in ok),
        "expected_pairs": sum(r.summary["expected_pairs"] for r in ok),
        "expected_pair_sentences": sum(r.summary["expected_pair_sentences"] for r in ok),
        "negated_sentences": sum(r.summary["negated_sentences"] for r in ok),
        "video_seconds": round(sum(r.summary["duration"] for r in ok), 3),
        "speech_seconds": round(sum(r.summary["speech_seconds"] for r in ok), 3),
        **counts,
        **(
            {"external_exact_duplicates": len(exact), "external_near_duplicates": len(near)}
            if "external" in sets
            else {}
        ),
        "shots_by_style": _style_counts(gt_dir),
    }
    manifest = {
        "seed": seed,
        "params": demo.model_dump(),
        "counts": metrics,
        "videos": statuses,
        "classes": {
            c: {
                "description": CLASS_INFO[c].description,
                "terms": list(CLASS_INFO[c].terms),
                "synonyms": list(CLASS_INFO[c].synonyms),
            }
            for c in demo.tissue_classes
        },
        "style_split": demo.style_split,
        "package_images": [
            {
                "file": f"data/raw/package_images/{p.name}",
                "stain": p.stain,
                "tissue_class": p.tissue_class,
                "label": f"{p.stain} package sample",
                "source": p.package,
            }
            for p in package_images(demo.style_split)
        ],
        "external_duplicates": {"exact": exact, "near": near},
    }
    write_json(work / "manifest.json", manifest)
    return metrics
