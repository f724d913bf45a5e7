"""The dataset stage: sources -> fingerprints -> eval-leak filter -> dedup -> captions -> splits -> files.

Everything is written into a fresh temporary folder next to the output and swapped in at the
end, so a killed run never leaves a half-old, half-new dataset (stale shards from a larger
previous run included) under the final name.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from PIL import Image, UnidentifiedImageError
from tqdm import tqdm

from quiltkit.config import DatasetParams
from quiltkit.contracts import QUILT_LOOKUP_COLUMNS
from quiltkit.dataset.captions import collapse_duplicate_captions, combined_rows
from quiltkit.dataset.dedup import ImageInfo, dedup_images, leaking_keys
from quiltkit.dataset.evalset import eval_fingerprints
from quiltkit.dataset.metrics import dataset_metrics
from quiltkit.dataset.phash import phash64, pixel_sha256
from quiltkit.dataset.rows import Row
from quiltkit.dataset.sources import external_rows, open_image_bytes, release_rows, video_rows
from quiltkit.dataset.splits import assign_splits, group_key
from quiltkit.dataset.writers import encode_png, write_openclip_csv, write_parquet, write_shards
from quiltkit.execution.context import Execution
from quiltkit.io import write_json
from quiltkit.paths import safe_id
from quiltkit.tracking.datasets import dataset_profile, dvc_dir_hash

log = logging.getLogger(__name__)

SPLITS = ("train", "val", "test")


def ref_key(r: Row) -> str:
    """Identity of a row's image *reference* (the same file read by two rows is decoded once);
    identical pixels behind different references are found later, by pixel hash."""
    return ("blob:" if isinstance(r.image, bytes) else "path:") + r.origin


def open_ref(ref) -> Image.Image:
    if isinstance(ref, bytes):
        return open_image_bytes(ref)
    img = Image.open(ref)
    img.load()
    return img


@dataclass
class Fingerprinted:
    infos: dict[str, ImageInfo]
    refs: dict[str, object]
    unreadable: int


def fingerprint(rows: list[Row]) -> Fingerprinted:
    infos, refs, bad = {}, {}, set()
    for r in rows:
        k = ref_key(r)
        if k not in refs:
            refs[k] = r.image
    for k, ref in tqdm(refs.items(), desc="fingerprint", unit="img"):
        try:
            img = open_ref(ref)
        except (OSError, UnidentifiedImageError, Image.DecompressionBombError) as err:
            log.warning("unreadable image %s: %s", k[:120], err)
            bad.add(k)
            continue
        infos[k] = ImageInfo(
            key=k, sha=pixel_sha256(img), phash=phash64(img), width=img.size[0], height=img.size[1], from_video=False
        )
    for r in rows:
        k = ref_key(r)
        if r.source_kind == "quilt_video" and k in infos:
            infos[k].from_video = True
    return Fingerprinted(infos, refs, len(bad))


def _unique_pair_ids(rows: list[Row]) -> None:
    seen: Counter = Counter()
    for r in rows:
        base = safe_id(r.pair_id, max_len=120)
        seen[base] += 1
        r.pair_id = base if seen[base] == 1 else f"{base}-{seen[base]}"


def planted_duplicates_found(corpus_dir: Path | None, image_of_origin: dict[str, str]) -> dict:
    """On the demo corpus: how many of the duplicates it planted on purpose ended up as one image.
    The list is the corpus's own `manifest.json`, found by convention like its `ground_truth/`, so a
    user's corpus, which has neither, needs no param to turn it off: {} then."""
    if corpus_dir is None or not (path := corpus_dir / "manifest.json").exists():
        return {}
    planted = json.loads(path.read_text(encoding="utf-8")).get("external_duplicates") or {}
    out = {}
    for kind, pairs in planted.items():
        seen = [(a, b) for a, b in pairs if a in image_of_origin and b in image_of_origin]
        found = sum(1 for a, b in seen if image_of_origin[a] == image_of_origin[b])
        out[kind] = {"planted": len(pairs), "present": len(seen), "merged": found}
    return out


def build_dataset(
    params: DatasetParams,
    pairs_dir: Path,
    out_dir: Path,
    execution: Execution = Execution(),
    *,
    download_dir: Path | None = None,
    corpus_dir: Path | None = None,
    release_dir: Path | None = None,
) -> dict:
    """Splits draw from execution.seed; every relative path (sources, images, eval sets) resolves
    against execution.root."""
    seed, root = execution.seed, execution.root
    # ---- 1. rows from every source, video rows first: they win ties when captions collapse.
    # Video rows carry their video's provenance from its download record (download_dir).
    loaded = {"quilt_video": video_rows(pairs_dir, root, download_dir)}
    if release_dir is not None and params.include_release:
        loaded["quilt_release"] = release_rows(release_dir, root)
    # A takedown list: the videos named in dataset.exclude_videos leave the dataset, rows and
    # images, on the next build; the card counts them.
    excluded = set(params.exclude_videos)
    excluded_rows = 0
    for kind in ("quilt_video", "quilt_release"):
        if kind in loaded:
            before = len(loaded[kind].rows)
            loaded[kind].rows = [r for r in loaded[kind].rows if r.video_id not in excluded]
            excluded_rows += before - len(loaded[kind].rows)
    for spec in params.external_sources:
        loaded[spec] = external_rows(spec, root)
    rows = [r for ld in loaded.values() for r in ld.rows]
    skipped = {src: ld.skipped for src, ld in loaded.items() if ld.skipped}
    rows_in = Counter(r.source for r in rows)
    log.info("rows read: %s", dict(rows_in))

    # ---- 2. fingerprints; rows whose image cannot be decoded are dropped
    fp = fingerprint(rows)
    rows = [r for r in rows if ref_key(r) in fp.infos]
    infos = list(fp.infos.values())

    # ---- 3. evaluation images never reach training data (nor val/test of this dataset)
    ev = eval_fingerprints(params.eval_sets, root)
    leaked = leaking_keys(infos, ev.phashes, ev.shas, params.eval_leak_hamming)
    leak_rows = sum(1 for r in rows if ref_key(r) in leaked)
    if leaked:
        log.warning("dropping %d images (%d rows) that match evaluation images", len(leaked), leak_rows)
    rows = [r for r in rows if ref_key(r) not in leaked]
    infos = [i for i in infos if i.key not in leaked]

    # ---- 4. dedup: every row points at its group's representative image
    dd = dedup_images(infos, params.near_dup_hamming)
    info_by_key = {i.key: i for i in infos}
    image_id_of_key: dict[str, str] = {}
    for r in rows:
        rep = dd.representative[ref_key(r)]
        if rep in image_id_of_key:
            continue
        if r.source_kind == "quilt_video" and ref_key(r) == rep and r.source_image_id:
            image_id_of_key[rep] = safe_id(r.source_image_id)
    for rep in set(dd.representative.values()):
        image_id_of_key.setdefault(rep, f"img-{info_by_key[rep].sha[:16]}")
    _unique_pair_ids(rows)
    image_of = {r.pair_id: image_id_of_key[dd.representative[ref_key(r)]] for r in rows}

    planted = planted_duplicates_found(corpus_dir, {r.origin: image_of[r.pair_id] for r in rows})

    # ---- 5. captions: one combined row per video image, then identical captions collapse
    if params.combined_captions:
        extra = combined_rows(rows, image_of)
        for image_id, r in extra:
            image_of[r.pair_id] = image_id
        rows = rows + [r for _, r in extra]
    rows, caption_dups = collapse_duplicate_captions(rows, image_of)

    # ---- 6. splits by group (videos, external images), merged through shared images
    groups = [group_key(r.source, r.video_id, image_of[r.pair_id]) for r in rows]
    splits = assign_splits(groups, [image_of[r.pair_id] for r in rows], seed, params.val_fraction, params.test_fraction)

    # ---- 7. write everything into a temp folder, then swap it in
    # A run killed before its swap leaves its temp folder (or, between the two renames, the old
    # dataset) beside the output under its own pid; nothing reads them: remove them, as
    # demo/corpus.py does, or each kill leaves a partial dataset's images and shards for good.
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    for stale in [*out_dir.parent.glob(f".{out_dir.name}.tmp-*"), *out_dir.parent.glob(f".{out_dir.name}.old-*")]:
        log.info("removing %s left by an interrupted run", stale)
        shutil.rmtree(stale, ignore_errors=True)
    tmp = out_dir.parent / f".{out_dir.name}.tmp-{os.getpid()}"
    (tmp / "images").mkdir(parents=True)
    rep_of_image = {v: k for k, v in image_id_of_key.items()}
    sizes = {}
    used_images = sorted({image_of[r.pair_id] for r in rows})
    for image_id in tqdm(used_images, desc="images", unit="img"):
        data, w, h = encode_png(open_ref(fp.refs[rep_of_image[image_id]]), params.image_size)
        (tmp / "images" / f"{image_id}.png").write_bytes(data)
        sizes[image_id] = (w, h)

    # paths inside our files are repo-relative, so a `dvc exp` temp copy resolves them to itself
    try:
        rel_out = out_dir.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        rel_out = out_dir.resolve().as_posix()
    records = []
    for r, split in zip(rows, splits):
        image_id = image_of[r.pair_id]
        info = info_by_key[rep_of_image[image_id]]
        w, h = sizes[image_id]
        records.append(
            {
                # the quilt_1M_lookup.csv columns (image_path relative to outputs/dataset/images)
                "caption": r.caption,
                "image_path": f"{image_id}.png",
                "subset": r.subset,
                "split": split,
                "pathology": list(r.pathology),
                "roi_text": r.roi_text,
                "med_text": r.med_text,
                "noisy_text": r.noisy_text,
                "corrected_text": r.corrected_text,
                "med_umls_ids": list(r.med_umls_ids),
                "magnification": r.magnification,
                "height": h,
                "width": w,
                # ours
                "pair_id": r.pair_id,
                "key": r.pair_id,
                "image_id": image_id,
                "filepath": f"{rel_out}/images/{image_id}.png",
                "source": r.source,
                "source_kind": r.source_kind,
                "video_id": r.video_id or "",
                "text_kind": r.text_kind,
                "start": r.start,
                "end": r.end,
                "aligner": r.aligner,
                "score": float(r.score),
                "origin": r.origin,
                "url": r.url,
                "source_split": r.source_split,
                "keywords": list(r.keywords),
                "sha256": info.sha,
                "phash": f"{info.phash:016x}",
                "video_title": r.title,
                "channel": r.channel,
                "uploader": r.uploader,
                "license": r.license,
                "upload_date": r.upload_date,
                "region": list(r.region) if r.region is not None else None,
            }
        )
    df = pd.DataFrame.from_records(records)
    if df.empty:
        df = pd.DataFrame(
            columns=list(QUILT_LOOKUP_COLUMNS)
            + ["pair_id", "key", "image_id", "filepath", "source", "source_kind", "video_id", "text_kind"]
        )
    df = df.sort_values(["split", "image_id", "pair_id"], kind="stable").reset_index(drop=True)

    # the shard of each row is known before writing, so each sample's .json names its own shard
    df["shard"] = ""
    for split in SPLITS:
        idx = df.index[df["split"] == split]
        df.loc[idx, "shard"] = [f"{split}-{i // params.shard_size:06d}.tar" for i in range(len(idx))]
    shards = {}
    for split in SPLITS:
        part = df[df["split"] == split]
        shards[split] = write_shards(tmp / "shards", split, part.to_dict("records"), tmp / "images", params.shard_size)
        assert sorted(set(part["shard"])) == shards[split], "shard naming drifted from writers.write_shards"
        write_openclip_csv(part.rename(columns={"caption": "title"}), tmp / f"openclip_{split}.csv")
    write_parquet(df, tmp / "metadata.parquet")

    counts = (
        {
            src: {s: int(((df["source"] == src) & (df["split"] == s)).sum()) for s in SPLITS}
            for src in sorted(set(df["source"]))
        }
        if len(df)
        else {}
    )
    stats = {
        "rows": len(df),
        "images": len(used_images),
        "rows_per_source_split": counts,
        "rows_per_split": {s: int((df["split"] == s).sum()) for s in SPLITS},
        "images_per_split": {s: int(df.loc[df["split"] == s, "image_id"].nunique()) for s in SPLITS},
        "rows_read_per_source": dict(rows_in),
        "rows_skipped": skipped,
        "excluded_videos": sorted(excluded),
        "excluded_rows": excluded_rows,
        "unreadable_images": fp.unreadable,
        "exact_dups": dd.exact_dups,
        "near_dups": dd.near_dups,
        "caption_dups_collapsed": caption_dups,
        "eval_leak_images_dropped": len(leaked),
        "eval_leak_rows_dropped": leak_rows,
        "eval_images_checked": ev.checked,
        "eval_sets_missing": ev.missing_sets,
        "planted_duplicates": planted,
        "text_kinds": {k: int(v) for k, v in df["text_kind"].value_counts().items()} if len(df) else {},
        "shards": shards,
        "image_size": params.image_size,
        "near_dup_hamming": params.near_dup_hamming,
        "seed": seed,
    }
    write_json(tmp / "stats.json", stats)

    old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}"
    if out_dir.exists():
        out_dir.rename(old)
    tmp.rename(out_dir)
    if old.exists():
        shutil.rmtree(old)
    return stats


def run_dataset(
    params: DatasetParams,
    pairs_dir: Path,
    out_dir: Path,
    execution: Execution = Execution(),
    **sources: Path | None,
) -> dict:
    """The dataset stage: build_dataset, then the dataset this run made logged to the stage's
    MLflow run (digest: the DVC hash dvc.lock is about to record), and the stage's metrics.
    `sources` are build_dataset's download_dir, corpus_dir and release_dir."""
    stats = build_dataset(params, pairs_dir, out_dir, execution, **sources)
    tracker = execution.tracker
    if tracker is not None and tracker.run_id:
        digest = dvc_dir_hash(out_dir, execution.root)
        tracker.log_dataset(digest, out_dir.as_posix(), dataset_profile(stats), "produced")
    return dataset_metrics(stats)
