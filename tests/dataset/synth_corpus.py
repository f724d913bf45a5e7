"""A tiny repository with every kind of source the dataset stage reads, and planted traps:
an exact and a near duplicate, a repeated caption, an evaluation image hidden in an external
source, a missing file, a failed download and a caption carrying HTML."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from PIL import Image

from quiltkit.config import PairsParams
from quiltkit.contracts import PointerSample, VideoRecord
from quiltkit.pairing import pair_video
from tests.pairing.synth_lecture import frame_analysis, text_analysis, texture

XSS = "<script>alert(1)</script> lymphoid follicles & <b>bold</b>"
TITLES = {"lec1": "Colon polyps <img src=x onerror=alert(2)>", "lec2": "Lymph node basics"}


def _jpeg(img: Image.Image, q: int = 92) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=q)
    return buf.getvalue()


def make_corpus(root: Path) -> dict:
    # ---- videos: frames images + pairs files
    for vid in ("lec1", "lec2"):
        fa = frame_analysis(vid, root, write_images=True)
        if vid == "lec1":  # the lecturer points at the upper left of the first image all along
            im = fa.images[0]
            steps = int((im.end - im.start) * 2) + 1
            im.pointer = [PointerSample(t=im.start + k / 2, x=14.0 + (k % 3), y=10.0 + (k % 2)) for k in range(steps)]
        files, _ = pair_video(fa, text_analysis(vid), PairsParams(), root)
        files["sentence"].write(root / "outputs" / "pairs" / f"{vid}.json")
        # what the download stage recorded of it: the provenance every video row carries
        VideoRecord(
            video_id=vid,
            url=f"https://www.youtube.com/watch?v={vid}",
            status="ok",
            title=TITLES[vid],
            channel="Pathology lectures",
            uploader="Dr. Example",
            license="Creative Commons Attribution license (reuse allowed)",
            upload_date="20210314",
            webpage_url=f"https://www.youtube.com/watch?v={vid}",
        ).write(root / "outputs" / "download" / f"{vid}.record.json")

    # ---- evaluation images
    ev = root / "data/eval"
    (ev / "img").mkdir(parents=True)
    rows = []
    for i in range(5):
        p = ev / "img" / f"e{i}.png"
        texture(5000 + i, (96, 96)).save(p)
        rows.append({"filepath": p.relative_to(root).as_posix(), "label": i % 2, "split": "test"})
    pd.DataFrame(rows).to_csv(ev / "patches.csv", index=False)
    texture(5005, (96, 96)).save(ev / "img" / "r0.png")
    pd.DataFrame(
        [
            {"image_id": "r0", "filepath": "data/eval/img/r0.png", "caption": "a"},
            {"image_id": "r0", "filepath": "data/eval/img/r0.png", "caption": "b"},
        ]
    ).to_csv(ev / "retrieval.csv", index=False)

    # ---- open_clip CSV
    ext = root / "data/ext"
    (ext / "img").mkdir(parents=True)
    rows = []
    for i in range(12):
        p = ext / "img" / f"x{i}.png"
        texture(1000 + i, (80, 60)).save(p)
        rows.append({"filepath": f"data/ext/img/x{i}.png", "title": f"external tissue caption number {i}"})
    # exact duplicate of a video frame (same pixels, other file)
    Image.open(root / "outputs/frames/lec1/lec1_0.png").save(ext / "img" / "frame_copy.png")
    rows.append({"filepath": "data/ext/img/frame_copy.png", "title": "a frame seen on the internet"})
    # near duplicate of x0: resized and JPEG-recompressed
    texture(1000, (80, 60)).resize((100, 75), Image.Resampling.BILINEAR).save(ext / "img" / "x0_near.jpg", quality=90)
    rows.append({"filepath": "data/ext/img/x0_near.jpg", "title": "near copy of the first"})
    # the same caption again for x1 (different case and spacing): collapses
    rows.append({"filepath": "data/ext/img/x1.png", "title": "External  tissue caption number 1"})
    # an evaluation image, recompressed: must be dropped
    Image.open(ev / "img" / "e2.png").save(ext / "img" / "leak.jpg", quality=90)
    rows.append({"filepath": "data/ext/img/leak.jpg", "title": "this is an eval image"})
    rows.append({"filepath": "data/ext/img/missing.png", "title": "no such file"})
    rows.append({"filepath": "data/ext/img/x3.png", "title": XSS})
    (ext / "img" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really a png")
    rows.append({"filepath": "data/ext/img/broken.png", "title": "a truncated download"})
    pd.DataFrame(rows).to_csv(ext / "pairs.csv", index=False)

    # ---- quilt_1M_lookup.csv layout, images under a separate root
    q = root / "data/quilt"
    (q / "images").mkdir(parents=True)
    qrows = []
    for i in range(3):
        texture(2000 + i, (70, 70)).save(q / "images" / f"q{i}.jpg")
        qrows.append(
            {
                "caption": f"quilt caption {i}",
                "image_path": f"q{i}.jpg",
                "subset": "openpath",
                "split": "train",
                "pathology": "['Dermatopathology']",
                "roi_text": "",
                "noisy_text": "n",
                "corrected_text": "c",
                "med_umls_ids": "['C0011']",
                "magnification": "1",
                "height": 70,
                "width": 70,
            }
        )
    pd.DataFrame(qrows).to_csv(q / "lookup.csv", index=False)

    # ---- img2dataset parquet
    pqd = root / "data/i2d_parquet"
    pqd.mkdir(parents=True)
    recs = [
        {
            "key": f"{i:09d}",
            "caption": f"parquet caption {i}",
            "url": f"http://x/{i}.jpg",
            "status": "success",
            "jpg": _jpeg(texture(3000 + i, (64, 64))),
        }
        for i in range(3)
    ]
    recs.append(
        {"key": "000000009", "caption": "failed", "url": "http://x/9.jpg", "status": "failed_to_download", "jpg": None}
    )
    pq.write_table(pa.Table.from_pylist(recs), pqd / "00000.parquet")

    # ---- img2dataset webdataset
    wd = root / "data/i2d_wds"
    wd.mkdir(parents=True)
    with tarfile.open(wd / "00000.tar", "w") as tar:
        for i in range(3):
            key = f"{i:09d}"
            for ext_, data in (
                ("jpg", _jpeg(texture(4000 + i, (64, 64)))),
                ("txt", f"wds caption {i}".encode()),
                ("json", json.dumps({"url": f"http://y/{i}", "status": "success"}).encode()),
            ):
                info = tarfile.TarInfo(f"{key}.{ext_}")
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    # the demo manifest's list of planted duplicates (origins are repo-relative paths)
    (root / "data/demo").mkdir(parents=True, exist_ok=True)
    (root / "data/demo/manifest.json").write_text(
        json.dumps(
            {
                "external_duplicates": {
                    "exact": [["outputs/frames/lec1/lec1_0.png", "data/ext/img/frame_copy.png"]],
                    "near": [["data/ext/img/x0.png", "data/ext/img/x0_near.jpg"]],
                }
            }
        )
    )
    return {
        "sources": [
            "openclip_csv:data/ext/pairs.csv",
            "quilt_lookup:data/quilt/lookup.csv;root=data/quilt/images",
            "img2dataset_parquet:data/i2d_parquet",
            "img2dataset_wds:data/i2d_wds",
        ],
        "eval_sets": ["data/eval/patches.csv", "data/eval/retrieval.csv"],
    }
