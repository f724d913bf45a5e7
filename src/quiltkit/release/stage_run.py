"""The release stage over many videos: download each listed video, rebuild its images, forget it.

One task per video on the execution layer (local pool or Ray): download the picture stream
through the download stage's code (format, cookies, rate limit from release.download), rebuild
(quiltkit.release.rebuild), write the video's record, and delete the download unless
keep_videos. A 1,087-hour release then never needs more disk for video than the videos in
flight. Per video, under outputs/release:

    <vid>.json     RebuildRecord: the download's status and every name's fate (its existence
                   means done; quiltkit.resume keeps it while the video's metadata is unchanged)
    <vid>/         the rebuilt images, under their release names
    <vid>.video/   the download while it is in use

and for the stage: rows.csv, the lookup's rows of every rebuilt image (what the dataset stage
reads as source quilt_release), and fidelity.json, the report per video.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import shutil
from collections import Counter
from dataclasses import asdict
from pathlib import Path

from quiltkit.config import DownloadParams, HistologyParams, ReleaseParams
from quiltkit.contracts import RELEASE_ROW_COLUMNS, RELEASE_ROWS_FILE, ContractError, RebuildRecord, RebuiltImage
from quiltkit.execution.context import Execution
from quiltkit.io import atomic_path, write_json
from quiltkit.release.files import ImageName, ReleaseError, VideoRecon, read_data, read_lookup, read_recon

log = logging.getLogger(__name__)

YOUTUBE = "https://www.youtube.com/watch?v={}"
FIDELITY_FILE = "fidelity.json"

# yt-dlp's wording for a video that is gone, by what a researcher can do about it
_GONE = [
    ("private", ("private video", "video is private", "sign in if you've been granted access")),
    (
        "removed",
        (
            "has been removed",
            "account associated with this video has been terminated",
            "copyright claim",
            "violating youtube's",
            "removed by the uploader",
        ),
    ),
    (
        "unavailable",
        (
            "video unavailable",
            "no longer available",
            "not available",
            "source file not found",
            "does not exist",
            "http error 404",
            "http 404",
        ),
    ),
]


def gone_status(error: str | None) -> str:
    """unavailable | private | removed | failed (anything else: network, format, disk)."""
    e = (error or "").lower()
    for status, words in _GONE:
        if any(w in e for w in words):
            return status
    return "failed"


class Release:
    """The release's three files, read and cross-checked, and where its videos come from."""

    def __init__(self, p: ReleaseParams, root: Path):
        base = root / p.dir
        self.base, self.params = base, p
        self.recon: dict[str, VideoRecon] = read_recon(base / p.recon_csv)
        self.names: dict[str, list[ImageName]] = read_data(base / p.data_csv)
        self.lookup = read_lookup(base / p.lookup_csv)
        wanted = list(p.videos) or list(self.names)
        unknown = [v for v in wanted if v not in self.names]
        if unknown:
            raise ReleaseError(f"release.videos: {unknown[:5]} not in {base / p.data_csv}")
        self.video_ids = wanted
        self.sources = self._sources(root)

    def _sources(self, root: Path) -> dict[str, dict]:
        from quiltkit.video.download import read_video_list

        out = {v: {"video_id": v, "url": YOUTUBE.format(v)} for v in self.video_ids}
        if self.params.video_list:
            rows = {r.video_id: r for r in read_video_list(self.base / self.params.video_list, root)}
            for v in self.video_ids:
                if v in rows:
                    out[v] = dict(rows[v].__dict__)
        return out

    def key(self, vid: str) -> str:
        """A video's key over its own inputs (quiltkit.resume): its metadata rows and its source."""
        rec = self.recon.get(vid)
        doc = {
            "recon": asdict(rec) if rec else None,
            "names": [asdict(n) for n in self.names[vid]],
            "source": self.sources[vid],
        }
        for n in doc["names"]:
            n.pop("line")
        if doc["recon"]:
            doc["recon"].pop("line")
        return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()


def _rescreener(params: dict):
    from quiltkit.video.stage_run import process_classifier

    clf = process_classifier(HistologyParams(**params))
    return clf.predict_proba


def _task(task) -> dict:
    """Download, rebuild and record one video (in a pool worker or on a Ray node)."""
    from quiltkit.release.rebuild import rebuild_video
    from quiltkit.video.download import VideoRow, download_video

    a = task.args
    p, vid, out_dir, root = ReleaseParams(**a["params"]), task.video_id, Path(a["out_dir"]), Path(a["root"])
    names = [ImageName(**n) for n in a["names"]]
    src = a["source"]
    rec = RebuildRecord(
        video_id=vid,
        url=src.get("url", ""),
        title=src.get("title", ""),
        channel=src.get("channel", ""),
        license=src.get("license", ""),
    )
    if a["recon"] is None:
        rec.status, rec.error = "no_metadata", "no row in quilt_recon.csv"
    else:
        dl_dir = out_dir / f"{vid}.video"
        dp = DownloadParams(
            video_list="", corpus_dir="", subtitles=False, split_streams=False, **p.download.model_dump()
        )
        got = download_video(VideoRow(**src), dp, dl_dir)
        if got.status != "ok":
            rec.status, rec.error = gone_status(got.error), got.error
        else:
            rec.title, rec.channel = got.title or rec.title, got.channel or rec.channel
            rec.license, rec.url = got.license or rec.license, got.webpage_url or rec.url
            images = out_dir / vid
            if images.exists():  # a killed run's half: its record was never written
                shutil.rmtree(images)
            rescreen = _rescreener(a["histology"]) if p.rescreen else None
            try:
                made = rebuild_video(
                    vid, dl_dir / got.video_path, VideoRecon(**a["recon"]), names, p, a["seed"], images, root, rescreen
                )
            except Exception as err:  # a video the decoder cannot read is this video's failure only
                rec.status, rec.error = "unreadable", f"{type(err).__name__}: {err}"
            else:
                made.url, made.title, made.channel, made.license = rec.url, rec.title, rec.channel, rec.license
                rec = made
        if not p.keep_videos and dl_dir.exists():
            shutil.rmtree(dl_dir)
    if rec.status != "ok":
        rec.images = [
            RebuiltImage(
                image_path=n.image_path,
                chunk_id=n.chunk_id,
                slot=i,
                status="missing",
                reason=f"video {rec.status}",
                expected_width=n.width,
                expected_height=n.height,
            )
            for i, n in enumerate(names)
        ]
    rec.write(out_dir / f"{vid}.json")
    ok = sum(im.status == "ok" for im in rec.images)
    return {
        "status": "ok" if rec.status == "ok" else "skipped",
        "error": rec.error,
        "images": ok,
        "video_seconds": rec.video_seconds,
    }


def rebuild_videos(
    p: ReleaseParams, histology: HistologyParams, out_dir: Path, release: Release, execution: Execution
) -> tuple[dict, dict]:
    """Rebuild every listed video not yet done; then rows.csv and fidelity.json. Returns the
    metrics and this run's work (images made, video seconds decoded), for throughput."""
    from quiltkit.execution.runner import run_videos
    from quiltkit.execution.tasks import VideoTask
    from quiltkit.release.fidelity import fidelity_report

    root = execution.root
    out_dir.mkdir(parents=True, exist_ok=True)
    tasks = []
    for vid in release.video_ids:  # ids are file names: quiltkit.release.files admits no others
        rc = release.recon.get(vid)
        tasks.append(
            VideoTask(
                vid,
                out_dir / f"{vid}.json",
                {
                    "params": p.model_dump(),
                    "out_dir": str(out_dir),
                    "root": str(root),
                    "seed": execution.seed,
                    "names": [asdict(n) for n in release.names[vid]],
                    "recon": asdict(rc) if rc else None,
                    "source": release.sources[vid],
                    "histology": histology.model_dump(),
                },
            )
        )
    results = run_videos(_task, tasks, execution, desc="release")
    records = []
    for vid in release.video_ids:
        try:
            records.append(RebuildRecord.read(out_dir / f"{vid}.json"))
        except ContractError as err:
            log.warning("release: %s", err)
    write_rows(records, release, out_dir / RELEASE_ROWS_FILE)
    reference = release.base / p.reference_dir if p.reference_dir else None
    listed = {n.image_path for v in release.video_ids for n in release.names[v]}
    all_names = {n.image_path for v in release.names.values() for n in v}
    rows_per_image = Counter(r["image_path"] for r in release.lookup if r["image_path"] in listed)
    report = fidelity_report(records, reference, root, rows_per_image)
    report["overall"]["lookup_rows_without_name"] = sum(1 for r in release.lookup if r["image_path"] not in all_names)
    write_json(out_dir / FIDELITY_FILE, report)
    done = [r for r in results if r.status != "cached"]
    # for the stage's timings (throughput), not its metrics
    work = {
        "images": sum(r.summary.get("images", 0) for r in done),
        "video_seconds": round(sum(r.summary.get("video_seconds", 0.0) for r in done), 2),
    }
    return {**report["overall"], "videos_processed": len(done), "videos_reused": len(results) - len(done)}, work


def write_rows(records: list[RebuildRecord], release: Release, path: Path) -> int:
    """The lookup's rows whose image was rebuilt, with the image's file and provenance."""
    made = {im.image_path: (r, im) for r in records if r.status == "ok" for im in r.images if im.status == "ok"}
    extra = [
        c
        for c in (release.lookup[0] if release.lookup else {})
        if not c.startswith("_") and c not in RELEASE_ROW_COLUMNS
    ]
    n = 0
    with atomic_path(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(RELEASE_ROW_COLUMNS + extra)
        for row in release.lookup:
            hit = made.get(row["image_path"])
            if hit is None:
                continue
            r, im = hit
            w.writerow(
                [
                    im.image_path,
                    im.path,
                    r.video_id,
                    im.chunk_id,
                    im.start,
                    im.end,
                    im.method,
                    r.url,
                    r.title,
                    r.channel,
                    r.license,
                ]
                + [row.get(c, "") for c in extra]
            )
            n += 1
    return n


def write_empty(out_dir: Path) -> dict:
    """release.enabled false: no release rows, said in an empty rows.csv the dataset stage reads as such."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with atomic_path(out_dir / RELEASE_ROWS_FILE) as tmp:
        tmp.write_text(",".join(RELEASE_ROW_COLUMNS) + "\n", encoding="utf-8")
    write_json(out_dir / FIDELITY_FILE, {"overall": {"videos": 0}, "videos": {}})
    return {"videos": 0, "names": 0, "rebuilt": 0}


def run_release(
    rp: ReleaseParams, out_dir: Path, execution: Execution = Execution(), *, histology: HistologyParams
) -> dict:
    """The release stages' body (stages/release.py, stages/release_holdout.py): read and check the
    release, claim out_dir video by video (execution.resume_outputs), rebuild with the frames
    stage's histology classifier (frames.histology), and say how fast."""
    import time

    if not rp.enabled:
        execution.resume_outputs(out_dir)
        return write_empty(out_dir)
    release = Release(rp, execution.root)  # reads and checks all three files before any output is touched
    keys = {v: release.key(v) for v in release.video_ids}
    reuse = execution.resume_outputs(out_dir, videos=keys, per_video=[rp.dir])  # persist: true in dvc.yaml
    t0 = time.time()
    metrics, work = rebuild_videos(rp, histology, out_dir, release, execution)
    wall = max(time.time() - t0, 1e-9)
    return {
        **metrics,
        **reuse,
        "images_per_s": round(work["images"] / wall, 3),
        "video_seconds_per_wall_second": round(work["video_seconds"] / wall, 3),
    }
