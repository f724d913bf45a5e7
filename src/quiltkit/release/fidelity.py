"""How faithful a rebuild is, per video and overall.

names / rebuilt / missing   quilt_data.csv's images, those made, those not (by reason)
rows_lost                   quilt_1M_lookup.csv rows left without an image, by reason: what
                            a video gone from YouTube costs the dataset
size_mismatches             downloads whose frame size differs from quilt_data.csv's
with reference images (the access-controlled release's own, or the fixture's truth):
mean_abs_diff, psnr         rebuilt against reference, both at the reference's size
name_mismatches             rebuilt images closer to another name's reference of the same
                            video than to their own: a name given to the wrong image. Two
                            names whose references are the same picture (a shot shown twice)
                            tie, and a tie is no mismatch.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import cv2
import numpy as np

from quiltkit.contracts import RebuildRecord
from quiltkit.video.median_eval import difference

THUMB = 64  # side of the thumbnails the nearest-reference search compares
TIE = 0.5  # grey levels: references closer than this to each other are one picture


def _read_rgb(path: Path) -> np.ndarray | None:
    img = cv2.imread(str(path), cv2.IMREAD_COLOR)
    return None if img is None else cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def reference_path(reference_dir: Path, image_path: str) -> Path | None:
    """The reference of a name: the file of that name, or of its stem with .png (lossless)."""
    for cand in (reference_dir / image_path, (reference_dir / image_path).with_suffix(".png")):
        if cand.is_file():
            return cand
    return None


def _thumb(rgb: np.ndarray) -> np.ndarray:
    return cv2.resize(rgb, (THUMB, THUMB), interpolation=cv2.INTER_AREA).astype(np.float32)


def compare(rebuilt: np.ndarray, reference: np.ndarray) -> tuple[float, float]:
    """(mean |difference| in grey levels, PSNR dB), the rebuilt image resized to the reference's size."""
    if rebuilt.shape != reference.shape:
        rebuilt = cv2.resize(rebuilt, (reference.shape[1], reference.shape[0]), interpolation=cv2.INTER_AREA)
    _, mad, psnr = difference(rebuilt, reference)
    return mad, (float(psnr) if np.isfinite(psnr) else 99.0)  # 99 dB for identical: JSON has no inf


def video_fidelity(rec: RebuildRecord, reference_dir: Path | None, root: Path, rows_per_image: dict[str, int]) -> dict:
    ok = [im for im in rec.images if im.status == "ok"]
    missing = Counter(im.reason or "unknown" for im in rec.images if im.status != "ok")
    lost = Counter()
    for im in rec.images:
        if im.status != "ok":
            lost[im.reason or "unknown"] += rows_per_image.get(im.image_path, 0)
    out = {
        "status": rec.status,
        "names": len(rec.images),
        "rebuilt": len(ok),
        "missing": dict(missing),
        "rows_lost": dict(lost),
        "unnamed_images": rec.unnamed_images,
        "size_mismatches": sum(
            1 for im in ok if (im.decoded_width, im.decoded_height) != (im.expected_width, im.expected_height)
        ),
        "by_method": dict(Counter(im.method for im in ok)),
    }
    if reference_dir is None or not ok:
        return out
    refs = {im.image_path: reference_path(reference_dir, im.image_path) for im in rec.images}
    ref_img = {n: _read_rgb(p) for n, p in refs.items() if p is not None}
    ref_thumb = {n: _thumb(r) for n, r in ref_img.items() if r is not None}
    diffs, psnrs, mismatched = [], [], []
    for im in ok:
        ref = ref_img.get(im.image_path)
        got = _read_rgb(root / im.path) if im.path else None
        if ref is None or got is None:
            continue
        mad, psnr = compare(got, ref)
        diffs.append(mad)
        psnrs.append(psnr)
        t = _thumb(got)
        own = float(np.abs(t - ref_thumb[im.image_path]).mean())
        for other, rt in ref_thumb.items():
            if other == im.image_path or float(np.abs(rt - ref_thumb[im.image_path]).mean()) < TIE:
                continue
            if float(np.abs(t - rt).mean()) + TIE < own:
                mismatched.append(im.image_path)
                break
    out.update(
        {
            "compared": len(diffs),
            "name_mismatches": len(mismatched),
            "mismatched": mismatched[:10],
            "mean_abs_diff": round(float(np.mean(diffs)), 3) if diffs else None,
            "psnr_mean": round(float(np.mean(psnrs)), 3) if psnrs else None,
            "psnr_min": round(float(np.min(psnrs)), 3) if psnrs else None,
        }
    )
    return out


def fidelity_report(
    records: list[RebuildRecord], reference_dir: Path | None, root: Path, rows_per_image: dict[str, int]
) -> dict:
    per = {r.video_id: video_fidelity(r, reference_dir, root, rows_per_image) for r in records}
    total: dict = {
        "videos": len(records),
        "videos_ok": sum(r.status == "ok" for r in records),
        "videos_gone": dict(Counter(r.status for r in records if r.status != "ok")),
    }
    for k in ("names", "rebuilt", "unnamed_images", "size_mismatches", "compared", "name_mismatches"):
        total[k] = sum(v.get(k, 0) for v in per.values())
    for k in ("missing", "rows_lost", "by_method"):
        c = Counter()
        for v in per.values():
            c.update(v.get(k, {}))
        total[k] = dict(sorted(c.items()))
    total["rows"] = sum(rows_per_image.values())
    total["rows_rebuilt"] = total["rows"] - sum(total["rows_lost"].values())
    total["rebuilt_fraction"] = round(total["rebuilt"] / total["names"], 4) if total["names"] else 0.0
    # of the names whose video could be downloaded: what the rebuild itself achieved
    avail = sum(v["names"] for v in per.values() if v["status"] == "ok")
    total["rebuilt_fraction_of_available"] = round(total["rebuilt"] / avail, 4) if avail else 0.0
    weighted = [(v["compared"], v["mean_abs_diff"], v["psnr_mean"]) for v in per.values() if v.get("compared")]
    n = sum(w for w, _, _ in weighted)
    total["mean_abs_diff"] = round(sum(w * d for w, d, _ in weighted) / n, 3) if n else None
    total["psnr_mean"] = round(sum(w * p for w, _, p in weighted) / n, 3) if n else None
    total["psnr_min"] = min((v["psnr_min"] for v in per.values() if v.get("psnr_min") is not None), default=None)
    return {"overall": total, "videos": per}
