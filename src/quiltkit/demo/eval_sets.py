"""Everything in the demo corpus that is not a video: evaluation patches, a retrieval set, an
"external" image-text source with planted duplicates, and labelled frames for the histology-frame
classifier.

Held-out means held-out: every image here comes from a SeedSequence branch the videos never use
(videos draw from [seed, video_index, ...]; these from [seed, 1000 + set_id, ...]), so no texture
tile, stain or crop can leak from a video into an evaluation.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from quiltkit.demo import slides
from quiltkit.demo.captions import caption, package_caption
from quiltkit.demo.package_images import PACKAGE_IMAGES, load_rgb
from quiltkit.demo.tissue import MAGNIFICATION_SCALE, Stain, render_tissue

SET_PATCHES, SET_RETRIEVAL, SET_EXTERNAL, SET_CLASSIFIER = 1001, 1002, 1003, 1004


def _rng(seed: int, *keys: int) -> np.random.Generator:
    return np.random.default_rng([seed, *keys])


def class_slug(name: str) -> str:
    return name.replace(" ", "_")


def save_png(path: Path, rgb: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # PIL writes no timestamp chunks, so the same pixels give the same bytes
    Image.fromarray(rgb).save(path, format="PNG", optimize=False, compress_level=6)


def save_jpg(path: Path, rgb: np.ndarray, quality: int = 90) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(rgb).save(path, format="JPEG", quality=quality)


def tissue_still(
    rng: np.random.Generator, tissue_class: str, h: int, w: int, mags=("medium", "high")
) -> tuple[np.ndarray, str]:
    """A still at a random magnification and stain: rendered larger, then reduced, as a scanner
    tile would be (downsampling also anti-aliases the drawn nuclei)."""
    mag = mags[int(rng.integers(0, len(mags)))]
    over = 1.5 if max(h, w) <= 400 else 1.0  # small tiles: oversample; frame-sized: already fine
    scale = MAGNIFICATION_SCALE[mag] * rng.uniform(0.85, 1.15) * over * (max(h, w) / 360) ** 0.5
    big = render_tissue(
        tissue_class, int(rng.integers(0, 2**31)), int(h * over), int(w * over), scale, Stain.random(rng)
    )
    return (cv2.resize(big, (w, h), interpolation=cv2.INTER_AREA) if over != 1.0 else big), mag


def write_patches(out: Path, rel, demo, seed: int) -> dict:
    """Labelled patches, stratified per class into train / val / test (60 / 20 / 20)."""
    rows = []
    n = demo.eval_patches_per_class
    for ci, cls in enumerate(demo.tissue_classes):
        n_val = max(1, round(n * 0.2))
        n_test = max(1, round(n * 0.2))
        for j in range(n):
            rng = _rng(seed, SET_PATCHES, ci, j)
            img, _ = tissue_still(rng, cls, demo.patch_size, demo.patch_size, mags=("low", "medium", "high"))
            p = out / "eval" / "patches" / f"{class_slug(cls)}_{j:04d}.png"
            save_png(p, img)
            split = "test" if j < n_test else "val" if j < n_test + n_val else "train"
            rows.append({"filepath": rel(p), "label": ci, "split": split})
    _write_csv(out / "eval" / "patches.csv", ["filepath", "label", "split"], rows)
    return {"patches": len(rows)}


def write_retrieval(out: Path, rel, demo, seed: int, captions_per_image: int = 3) -> dict:
    rows = []
    classes = list(demo.tissue_classes)
    for j in range(demo.retrieval_pairs):
        rng = _rng(seed, SET_RETRIEVAL, j)
        cls = classes[j % len(classes)]
        img, mag = tissue_still(rng, cls, demo.patch_size, demo.patch_size, mags=("low", "medium", "high"))
        p = out / "eval" / "retrieval" / f"ret_{j:04d}.png"
        save_png(p, img)
        seen = set()
        for _ in range(captions_per_image * 4):
            c = caption(rng, cls, mag)
            if c not in seen:
                seen.add(c)
                rows.append({"image_id": f"ret_{j:04d}", "filepath": rel(p), "caption": c, "label": classes.index(cls)})
            if len(seen) == captions_per_image:
                break
    _write_csv(out / "eval" / "retrieval.csv", ["image_id", "filepath", "caption", "label"], rows)
    return {"retrieval_images": demo.retrieval_pairs, "retrieval_captions": len(rows)}


def write_external(out: Path, rel, demo, seed: int, raw_root: Path, dup_fraction: float = 0.04) -> dict:
    """An open_clip CSV (filepath,title) standing in for PubMed/Twitter pairs.

    A few rows are duplicates on purpose: exact ones (the same bytes saved under a second name,
    as when two accounts post the same figure) and near ones (re-encoded as JPEG, slightly
    rescaled and brightened, as a re-post would be). The manifest lists both so the dataset
    stage's dedup can be scored."""
    rows, exact, near = [], [], []
    classes = list(demo.tissue_classes)
    n = demo.external_pairs
    n_dup = max(1, int(round(n * dup_fraction))) if n >= 10 else 0
    n_orig = n - 2 * n_dup
    pkg_cache: dict[str, np.ndarray] = {}
    for j in range(n_orig):
        rng = _rng(seed, SET_EXTERNAL, j)
        size = int(rng.choice([192, 224, 256, 320]))
        if j % 25 == 24 and raw_root is not None:  # some real package images, random crops
            pkg = PACKAGE_IMAGES[(j // 25) % len(PACKAGE_IMAGES)]
            if pkg.name not in pkg_cache:
                pkg_cache[pkg.name] = load_rgb(pkg.name, raw_root, max_side=1200)
            src = pkg_cache[pkg.name]
            cs = int(min(src.shape[:2]) * rng.uniform(0.3, 0.6))
            y, x = int(rng.integers(0, src.shape[0] - cs + 1)), int(rng.integers(0, src.shape[1] - cs + 1))
            img = cv2.resize(src[y : y + cs, x : x + cs], (size, size), interpolation=cv2.INTER_AREA)
            title = package_caption(rng, pkg.stain, pkg.description)
        else:
            cls = classes[int(rng.integers(0, len(classes)))]
            img, mag = tissue_still(rng, cls, size, size, mags=("low", "medium", "high"))
            title = caption(rng, cls, mag)
        # web figures are JPEGs of varying quality
        p = out / "external" / "images" / f"ext_{j:05d}.jpg"
        save_jpg(p, img, quality=int(rng.integers(85, 96)))
        rows.append({"filepath": rel(p), "title": title})
    for k in range(n_dup):
        rng = _rng(seed, SET_EXTERNAL, 10**6 + k)
        src_row = rows[int(rng.integers(0, n_orig))]
        src_path = out / "external" / "images" / Path(src_row["filepath"]).name
        # exact: identical bytes, a new name and (as re-posts do) a reworded caption
        p = out / "external" / "images" / f"ext_dup_{k:04d}{src_path.suffix}"
        p.write_bytes(src_path.read_bytes())
        rows.append({"filepath": rel(p), "title": src_row["title"].rstrip(".") + " (repost)."})
        exact.append([src_row["filepath"], rel(p)])
        src_row2 = rows[int(rng.integers(0, n_orig))]
        img = np.asarray(Image.open(out / "external" / "images" / Path(src_row2["filepath"]).name).convert("RGB"))
        f = rng.uniform(0.9, 0.97)
        img2 = cv2.resize(img, (int(img.shape[1] * f), int(img.shape[0] * f)), interpolation=cv2.INTER_AREA)
        img2 = np.clip(img2.astype(np.int16) + int(rng.integers(3, 9)), 0, 255).astype(np.uint8)
        p2 = out / "external" / "images" / f"ext_near_{k:04d}.jpg"
        save_jpg(p2, img2, quality=int(rng.integers(80, 92)))
        rows.append({"filepath": rel(p2), "title": src_row2["title"]})
        near.append([src_row2["filepath"], rel(p2)])
    # shuffle so duplicates are not all at the end (a dedup that keys on position must fail)
    order = _rng(seed, SET_EXTERNAL, 2 * 10**6).permutation(len(rows))
    rows = [rows[i] for i in order]
    _write_csv(out / "external" / "pairs.csv", ["filepath", "title"], rows)
    return {"external_pairs": len(rows), "exact_duplicates": exact, "near_duplicates": near}


def write_classifier_frames(out: Path, rel, demo, seed: int, raw_root: Path) -> dict:
    """Frame-sized pictures labelled histology / other, like the frames the video stage sees, in
    every style of the demo's split (styles.yaml) and in no other: the held-out corpus's styles
    never reach the classifier. Each row names its style and group, so a leave-one-style-out
    table can drop one group from training and test on it. Plain H&E gets twice the share of
    the other histology styles, as in the videos, and the real photos shipped in packages three
    times a style's share (they are many pictures, not one renderer). A quarter of the
    non-histology frames lose their colour, as a greyscale camera or a photocopied handout
    shows them: colour alone must not make a frame "not histology", nor texture "histology"."""
    from quiltkit.demo import styles
    from quiltkit.demo.render import still_frame
    from quiltkit.demo.styles import PaintContext

    w, h = demo.width, demo.height
    classes = list(demo.tissue_classes)
    sprite = slides.pointer_sprite(max(10, h // 18))
    rows = []
    for label in ("histology", "other"):
        pool = [st for st in styles.styles(demo.style_split, label=label)]
        pool = [x for st in pool for x in [st] * (2 if st.name == "he" else 3 if st.group == "photos" else 1)]
        for j in range(demo.classifier_frames_per_class):
            rng = _rng(seed, SET_CLASSIFIER, int(label == "other"), j)
            st = pool[j % len(pool)]
            c = classes[(j // len(pool)) % len(classes)]
            ctx = PaintContext(
                title=f"Lecture {j}: {c}",
                classes=classes,
                raw_root=raw_root,
                tissue_class=c,
                magnification=("low", "medium", "high")[int(rng.integers(0, 3))],
            )
            img = still_frame(styles.paint(st.name, w, h, rng, ctx), w, h, rng)
            if label == "histology" and rng.random() < 0.3:
                slides.overlay(img, sprite[0], sprite[1], int(rng.integers(0, w)), int(rng.integers(0, h)))
            if label == "histology" and rng.random() < 0.3:
                img = _section_edge(img, rng)
            elif label == "other" and rng.random() < 0.25:
                img = np.repeat(cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)[..., None], 3, axis=2)
            p = out / "classifier_frames" / label / f"{'hist' if label == 'histology' else 'other'}_{j:04d}.jpg"
            save_jpg(p, img, quality=int(rng.integers(70, 95)))  # lecture uploads vary in bitrate
            rows.append({"filepath": rel(p), "label": label, "kind": st.name, "group": st.group})
    _write_csv(out / "classifier_frames" / "labels.csv", ["filepath", "label", "kind", "group"], rows)
    return {"classifier_frames": len(rows)}


def _section_edge(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The edge of a section: tissue over part of the frame, bare glass around it. Lecturers
    show margins, small biopsies and fragments, where most of the frame is the slide's white."""
    from quiltkit.demo.tissue import smooth_noise

    h, w = img.shape[:2]
    field = smooth_noise(rng, h, w, float(rng.uniform(60, 140)) * h / 360, 1.0)
    keep = field > np.quantile(field, float(rng.uniform(0.3, 0.7)))
    alpha = cv2.GaussianBlur(keep.astype(np.float32), (0, 0), 2.0)[..., None]
    glass = np.full_like(img, int(rng.integers(236, 250)))
    return (img * alpha + glass * (1 - alpha)).astype(np.uint8)


def _write_csv(path: Path, fields: list[str], rows: list[dict]) -> None:
    from quiltkit.io import atomic_write_text

    buf = io.StringIO()
    wr = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    wr.writeheader()
    wr.writerows(rows)
    atomic_write_text(path, buf.getvalue())


class relative_to:
    """Paths inside CSVs name the *final* location relative to the repository root, although the
    files are being written into a temporary sibling directory that is renamed at the end.
    (A class, not a closure, so it can travel to worker processes.)"""

    def __init__(self, root: Path, final_out: Path, work_out: Path):
        self.root = Path(os.path.abspath(root))
        self.final_out = Path(os.path.abspath(final_out))
        self.work_out = Path(os.path.abspath(work_out))

    def __call__(self, p: Path) -> str:
        inside = Path(os.path.abspath(p)).relative_to(self.work_out)
        return Path(os.path.relpath(self.final_out / inside, self.root)).as_posix()
