"""CLIP_benchmark-style webdataset folders (what `clip_benchmark_export_wds` writes):

    <root>/classnames.txt                          one class per line (classification)
    <root>/zeroshot_classification_templates.txt   optional, one template with {c} per line
    <root>/dataset_type.txt                        "retrieval" for retrieval sets
    <root>/<split>/nshards.txt, 0.tar, 1.tar, ...   samples: <key>.{webp,png,jpg,jpeg} + <key>.cls
                                                   (or <key>.txt with one caption per line)
We index the tar members once (name -> byte offset) and read images by seeking, so a large
shard is never unpacked and random access stays cheap.
"""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

from PIL import Image

from quiltkit.evaluation.adapters.base import (
    ClassificationData,
    DatasetFormatError,
    DatasetMissingError,
    ImageSource,
    LabelledSplit,
    RetrievalData,
)
from quiltkit.io import TAR_READ_ERRORS

HOW = "export it with `clip_benchmark_export_wds` (or download a CLIP_benchmark wds_* folder) into this folder"
IMG_EXT = ("webp", "png", "jpg", "jpeg")


class TarImages(ImageSource):
    def __init__(self, members: list[tuple[Path, int, int, str]]):
        self.members = members  # (tar path, data offset, size, member name)

    def __len__(self) -> int:
        return len(self.members)

    def load(self, i: int) -> Image.Image:
        tar, off, size, name = self.members[i]
        with open(tar, "rb") as fh:
            fh.seek(off)
            data = fh.read(size)
        try:
            return Image.open(io.BytesIO(data)).convert("RGB")
        except OSError as err:
            raise DatasetFormatError(f"{tar}:{name}: not a readable image: {err}") from err

    def key(self, i: int) -> str:
        tar, off, size, name = self.members[i]
        return f"{tar}:{name}:{size}"


def _samples(split_dir: Path):
    nshards_file = split_dir / "nshards.txt"
    if not nshards_file.exists():
        raise DatasetMissingError("wds", split_dir, "nshards.txt not found", HOW)
    n = int(nshards_file.read_text().strip())
    samples: dict[str, dict] = {}
    order: list[str] = []
    for i in range(n):
        tar_path = split_dir / f"{i}.tar"
        if not tar_path.exists():
            raise DatasetMissingError("wds", split_dir, f"shard {tar_path.name} of {n} missing", HOW)
        try:
            _read_shard(i, tar_path, samples, order)
        except TAR_READ_ERRORS as err:
            raise DatasetFormatError(f"{tar_path}: not a readable tar: {err}") from None
    return [(k, samples[k]) for k in order]


def _read_shard(i: int, tar_path: Path, samples: dict[str, dict], order: list[str]) -> None:
    with tarfile.open(tar_path) as tf:
        for m in tf:
            if not m.isfile():
                continue
            # webdataset's rule: the key is the path up to the first dot of the *basename*
            folder, _, base = m.name.rpartition("/")
            stem, _, ext = base.partition(".")
            key = f"{folder}/{stem}" if folder else stem
            key = f"{i}/{key}"
            if key not in samples:
                samples[key] = {}
                order.append(key)
            ext = ext.lower()
            if ext in IMG_EXT:
                samples[key]["img"] = (tar_path, m.offset_data, m.size, m.name)
            elif ext in ("cls", "txt"):
                samples[key][ext] = tf.extractfile(m).read().decode("utf-8")


def load_wds(root: Path | str, name: str | None = None):
    root = Path(root)
    name = name or f"wds_{root.name}"
    if not root.is_dir():
        raise DatasetMissingError(name, root, "folder not found", HOW)
    type_file = root / "dataset_type.txt"
    dtype = type_file.read_text().strip().lower() if type_file.exists() else "classification"
    if dtype == "retrieval":
        members, captions, links = [], [], []
        for key, s in _samples(root / "test"):
            if "img" not in s or "txt" not in s:
                raise DatasetFormatError(f"{root}/test: sample {key} lacks an image or a .txt")
            members.append(s["img"])
            for line in s["txt"].splitlines():
                if line.strip():
                    captions.append(line.strip())
                    links.append(len(members) - 1)
        return RetrievalData(name, TarImages(members), captions, links)
    cn = root / "classnames.txt"
    if not cn.exists():
        raise DatasetMissingError(name, root, "classnames.txt not found", HOW)
    classnames = [l.strip() for l in cn.read_text(encoding="utf-8").splitlines() if l.strip()]
    splits = {}
    for split in ("train", "test"):
        if split == "train" and not (root / split).is_dir():
            continue
        members, labels = [], []
        for key, s in _samples(root / split):
            if "img" not in s or "cls" not in s:
                raise DatasetFormatError(f"{root}/{split}: sample {key} lacks an image or a .cls")
            try:
                labels.append(int(s["cls"].strip()))
            except ValueError:
                raise DatasetFormatError(f"{root}/{split}: sample {key} has label {s['cls']!r}, not an int") from None
            members.append(s["img"])
        splits[split] = LabelledSplit(TarImages(members), labels)
    data = ClassificationData(name, classnames, splits, train_split="train" if "train" in splits else None)
    tpl = root / "zeroshot_classification_templates.txt"
    if tpl.exists():
        data.templates = [l.strip() for l in tpl.read_text(encoding="utf-8").splitlines() if l.strip()]
    return data
