"""A Quilt-1M release of the demo videos, in the release's own file formats, with the truth.

What the authors' curation would have written about each demo lecture, taken from the demo's
ground truth instead of from models: key frames at the shot starts, each predicted histology
exactly when its shot is, chunks cut by the release's rule (quiltkit.release.chunking), and in
every chunk one stable interval per still histology shot, a margin inside the shot. Intervals
shorter than the median threshold stay in stable_times and get no name, as in the release; a
chunk with no long one gets the fallback's names, by the release's own rule (a key frame counts
when its crop's SSIM to the last kept one is below fallback_ssim_max) applied to the true
pictures, with quiltkit's seeded crops. (The release drew those crops unseeded, so on the real
release a fallback chunk's later names are not reproducible; see docs/RELEASE_DEFECTS.md.)
Key frame times are the times of each shot's first frame, what a scene detector reports.

Every name's true image goes to reference/: the frame the renderer drew at the interval's middle
(or the key frame's time) without the pointer. The rebuild never sees these; the fidelity report
compares with them. Captions are the shot's narrated sentences, so the rebuilt rows can train.

`missing_videos` more videos are listed whose source does not exist (their metadata is a copy
of a real video's under a new id): the rebuild must count what each costs.
"""

from __future__ import annotations

import csv
import json
import math
import uuid
from pathlib import Path

import cv2

from quiltkit.config import DemoParams, ReleaseParams
from quiltkit.contracts import QUILT_LOOKUP_COLUMNS, GroundTruth
from quiltkit.demo.clean_view import clean_source
from quiltkit.demo.render import FrameSource
from quiltkit.execution.context import Execution
from quiltkit.io import atomic_path, write_json
from quiltkit.paths import RELEASE_FIXTURES
from quiltkit.release.chunking import release_chunks
from quiltkit.release.rebuild import FALLBACK_STREAM, crop_rng, distinct_keyframes

NAMES = uuid.UUID("5b0c4d36-8a5e-4a53-9d55-2f3c1e0c9a71")  # uuid5 namespace of the fixture's image names

RECON_HEADER = ["video_id", "key_frame_times", "predictions", "stable_times"]
DATA_HEADER = [
    "video_id",
    "chunk_id",
    "image_path",
    "pair_chunk_time",
    "height",
    "width",
    "fps",
    "it_pair",
    "medical_text",
]
# the release's lookup: its pair columns (quiltkit.contracts), then two flags of its own
LOOKUP_HEADER = [*QUILT_LOOKUP_COLUMNS, "single_wsi", "not_histology"]


def _name(video_id: str, chunk: int, slot: int) -> str:
    return f"{video_id}_image_{uuid.uuid5(NAMES, f'{video_id}/{chunk}/{slot}')}.jpg"


def first_frame(t: float, fps: float) -> int:
    """The first frame the renderer draws at or after t (its shot test allows 1e-9 s)."""
    return math.ceil(t * fps - 1e-9 * fps - 1e-9)


def describe_video(gt: GroundTruth, video_id: str, src: FrameSource, seed: int, p: ReleaseParams) -> dict:
    """One video's recon row, its names (chunk, slot, method, time, frame, shot) in chunk order."""
    f = p.fixture
    first = [first_frame(s.start, gt.fps) for s in gt.shots]
    times = [round(k / gt.fps, 3) for k in first]
    preds = [s.kind == "histology" for s in gt.shots]
    shot_at = {t: (s, k) for t, s, k in zip(times, gt.shots, first)}
    chunks = release_chunks(times, preds, f.pair_chunk_time)
    stable, names = [], []
    for c, kf in enumerate(chunks):
        ivs = []
        for t in kf:
            s, _ = shot_at[t]
            if s.kind == "histology" and s.motion == "static":
                a, b = round(s.start + f.interval_margin, 3), round(s.end - f.interval_margin, 3)
                if b > a:
                    ivs.append((a, b, s))
        stable.append([[a, b] for a, b, _ in ivs])
        usable = [(a, b, s) for a, b, s in ivs if b - a >= p.min_stable_seconds]
        for k, (a, b, s) in enumerate(usable):
            mid = (a + b) / 2
            names.append(
                {
                    "chunk_id": c,
                    "slot": k,
                    "method": "median",
                    "frame": int(round(mid * gt.fps)),
                    "start": a,
                    "end": b,
                    "shot": s.index,
                }
            )
        if not usable:
            frames = [src(shot_at[t][1]) for t in kf]
            kept = distinct_keyframes(
                frames, crop_rng(seed, video_id, c, FALLBACK_STREAM), p.crop_size, p.fallback_ssim_max
            )
            for slot, i in enumerate(kept):
                s, k = shot_at[kf[i]]
                names.append(
                    {
                        "chunk_id": c,
                        "slot": slot,
                        "method": "keyframe",
                        "frame": k,
                        "start": kf[i],
                        "end": kf[i],
                        "shot": s.index,
                    }
                )
    return {
        "recon": {
            "video_id": video_id,
            "key_frame_times": times,
            "predictions": [int(x) for x in preds],
            "stable_times": stable,
        },
        "names": names,
    }


def _rows(gt: GroundTruth, video_id: str, desc: dict, pair_chunk_time: float) -> tuple[list[list], list[list], dict]:
    said = {pr.shot_index: [gt.sentences[i] for i in pr.sentence_indices] for pr in gt.expected_pairs}
    data, lookup, truth = [], [], {}
    for n in desc["names"]:
        name = _name(video_id, n["chunk_id"], n["slot"])
        shot = gt.shots[n["shot"]]
        sents = said.get(shot.index, [])
        texts = [s.text for s in sents]
        data.append(
            [video_id, n["chunk_id"], name, pair_chunk_time, gt.height, gt.width, gt.fps, bool(texts), repr(texts)]
        )
        roi = " ".join(s.text for s in sents if s.role == "roi")
        for s in sents:
            lookup.append(
                [
                    s.text,
                    name,
                    "quilt",
                    "train",
                    repr([shot.tissue_class] if shot.tissue_class else []),
                    roi,
                    s.text,
                    s.text,
                    "[]",
                    shot.magnification or "",
                    gt.height,
                    gt.width,
                    1,
                    0,
                ]
            )
        truth[name] = {**n, "video_id": video_id, "image_key": shot.image_key, "captions": len(texts)}
    return data, lookup, truth


def _write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    with atomic_path(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


def build_release_fixture(
    demo_dir: Path, demo: DemoParams, demo_seed: int, seed: int, p: ReleaseParams, out: Path, raw_root: Path
) -> dict:
    """The fixture under `out`. demo and demo_seed are the corpus's own (its manifest), so the
    true pictures are the frames it drew; seed is the project's, the rebuild's crop seed."""
    gts = [GroundTruth.read(f) for f in sorted((demo_dir / "ground_truth").glob("*.json"))]
    if not gts:
        raise FileNotFoundError(f"{demo_dir}/ground_truth: no demo ground truth to describe")
    ref_dir = out / "reference"
    ref_dir.mkdir(parents=True, exist_ok=True)
    recon, data, lookup, truth, listed = [], [], [], {}, []
    intervals = 0
    # every video as it is, then the gone ones: a copy of a real video's metadata under a new id,
    # listed and described but with no source (its names get no reference: nothing can be rebuilt)
    entries = [(gt, gt.video_id, False) for gt in gts] + [
        (gt, f"gone_{i:03d}", True) for i, gt in enumerate(gts[: p.fixture.missing_videos])
    ]
    sources: dict[str, FrameSource] = {}
    for gt, vid, gone in entries:
        if gt.video_id not in sources:
            sources[gt.video_id] = clean_source(gt, int(gt.video_id.rsplit("_", 1)[1]), demo_seed, demo, raw_root)
        src = sources[gt.video_id]
        desc = describe_video(gt, vid, src, seed, p)
        d, lk, tr = _rows(gt, vid, desc, p.fixture.pair_chunk_time)
        if not gone:
            intervals += sum(len(x) for x in desc["recon"]["stable_times"])
            for name, t in tr.items():
                ok, png = cv2.imencode(".png", cv2.cvtColor(src(t["frame"]), cv2.COLOR_RGB2BGR))
                with atomic_path(ref_dir / (Path(name).stem + ".png")) as tmp:
                    tmp.write_bytes(png.tobytes())
        recon.append(desc["recon"])
        data, lookup = data + d, lookup + lk
        truth.update(tr)
        listed.append(
            [
                vid,
                (demo_dir / "videos" / f"{vid}.mp4").as_posix(),
                *(
                    [f"a lecture taken down ({vid})", "quiltkit demo channel", f"{gt.duration:.3f}", "", "", ""]
                    if gone
                    else [
                        gt.title,
                        "quiltkit demo channel",
                        f"{gt.duration:.3f}",
                        "quiltkit demo corpus (synthetic)",
                        "CC0-1.0",
                        "20260101",
                    ]
                ),
            ]
        )
    _write_csv(
        out / "quilt_recon.csv",
        RECON_HEADER,
        [[r["video_id"], repr(r["key_frame_times"]), repr(r["predictions"]), repr(r["stable_times"])] for r in recon],
    )
    _write_csv(out / "quilt_data.csv", DATA_HEADER, data)
    _write_csv(out / "quilt_1M_lookup.csv", LOOKUP_HEADER, lookup)
    _write_csv(
        out / "video_list.csv",
        ["video_id", "url", "title", "channel", "duration", "uploader", "license", "upload_date"],
        listed,
    )
    write_json(out / "truth.json", truth)
    methods = [t["method"] for t in truth.values() if not t["video_id"].startswith("gone_")]
    return {
        "videos": len(gts),
        "missing_videos": sum(gone for _, _, gone in entries),
        "names": len(truth),
        "lookup_rows": len(lookup),
        "median_names": methods.count("median"),
        "keyframe_names": methods.count("keyframe"),
        "stable_intervals": intervals,
    }


def run_release_fixture(rp: ReleaseParams, corpus: str, execution: Execution = Execution()) -> dict:
    """The fixture release of a rendered corpus (RELEASE_FIXTURES: demo or holdout). Always the
    rendered corpus, whatever download.corpus_dir names: the fixture's truth is the renderer's,
    so the corpus is redrawn from its own manifest's params and seed; execution.seed is the
    rebuild's crop seed."""
    if corpus not in RELEASE_FIXTURES:
        raise ValueError(f"release_fixture: corpus {corpus!r} is not one of {sorted(RELEASE_FIXTURES)}")
    src, out = RELEASE_FIXTURES[corpus]
    manifest = json.loads((execution.root / src / "manifest.json").read_text(encoding="utf-8"))
    demo, demo_seed = DemoParams.model_validate(manifest["params"]), int(manifest["seed"])
    return build_release_fixture(src, demo, demo_seed, execution.seed, rp, out, raw_root=execution.root)
