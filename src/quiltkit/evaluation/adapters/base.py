"""What every dataset adapter returns, and the error it raises when the data is not there.

Adapters only *read* datasets the user has downloaded (benchmarks have their own licences and
hosts; nothing here fetches them). Each knows the layout its dataset ships in and, when that
layout is missing or incomplete, says exactly what to download and where to put it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
from PIL import Image

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp")


class DatasetMissingError(FileNotFoundError):
    """A benchmark is absent or incomplete; the message says what to download and where."""

    def __init__(self, dataset: str, root: Path | str, problem: str, how: str):
        self.dataset, self.root = dataset, Path(root)
        super().__init__(f"{dataset}: {problem} under {root}.\n  To get it: {how}")


class DatasetFormatError(ValueError):
    """The files are there but their content is not what the layout promises (names the file/row)."""


class ImageSource:
    """Random access to images; `key(i)` identifies the image for feature-cache fingerprints."""

    def __len__(self) -> int:  # pragma: no cover - interface
        raise NotImplementedError

    def load(self, i: int) -> Image.Image:  # pragma: no cover - interface
        raise NotImplementedError

    def key(self, i: int) -> str:  # pragma: no cover - interface
        raise NotImplementedError


class FileImages(ImageSource):
    def __init__(self, paths: Sequence[Path | str]):
        self.paths = [Path(p) for p in paths]

    def __len__(self) -> int:
        return len(self.paths)

    def load(self, i: int) -> Image.Image:
        path = self.paths[i]
        try:
            with Image.open(path) as im:
                return im.convert("RGB")
        except (OSError, ValueError) as err:
            raise DatasetFormatError(f"cannot read image {path}: {err}") from err

    def key(self, i: int) -> str:
        st = self.paths[i].stat()
        return f"{self.paths[i]}:{st.st_size}:{st.st_mtime_ns}"


class ArrayImages(ImageSource):
    """Images held in an array-like (e.g. an h5py dataset) of HxWx3 uint8, opened lazily so a
    DataLoader worker can reopen it after fork."""

    def __init__(self, opener: Callable[[], object], n: int, name: str):
        self._opener, self._arr, self.n, self.name = opener, None, n, name

    def __len__(self) -> int:
        return self.n

    def load(self, i: int) -> Image.Image:
        if self._arr is None:
            self._arr = self._opener()
        return Image.fromarray(np.asarray(self._arr[i], dtype=np.uint8)).convert("RGB")

    def key(self, i: int) -> str:
        return f"{self.name}[{i}]"

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_arr"] = None
        return state


class SubsetImages(ImageSource):
    def __init__(self, base: ImageSource, indices: Sequence[int]):
        self.base, self.indices = base, [int(i) for i in indices]

    def __len__(self) -> int:
        return len(self.indices)

    def load(self, i: int) -> Image.Image:
        return self.base.load(self.indices[i])

    def key(self, i: int) -> str:
        return self.base.key(self.indices[i])


@dataclass
class LabelledSplit:
    images: ImageSource
    labels: np.ndarray

    def __post_init__(self):
        self.labels = np.asarray(self.labels, dtype=np.int64)
        if len(self.images) != len(self.labels):
            raise DatasetFormatError(f"{len(self.images)} images but {len(self.labels)} labels")

    def capped(self, per_class: int | None, seed: int = 0) -> "LabelledSplit":
        """At most `per_class` images of each class (a fixed random draw), e.g. to bound the
        cost of encoding PCam's 262k training patches on a CPU."""
        if per_class is None or np.bincount(self.labels).max() <= per_class:
            return self
        rng = np.random.default_rng(seed)
        keep = np.sort(
            np.concatenate(
                [
                    rng.choice(idx, size=min(per_class, len(idx)), replace=False)
                    for idx in (np.flatnonzero(self.labels == c) for c in np.unique(self.labels))
                ]
            )
        )
        return LabelledSplit(SubsetImages(self.images, keep), self.labels[keep])


@dataclass
class ClassificationData:
    """A classification benchmark: class names (order = label index) and named splits."""

    name: str
    classnames: list[str]
    splits: dict[str, LabelledSplit]
    # The split zero-shot and the linear probe's test score use.
    test_split: str = "test"
    train_split: str | None = "train"
    val_split: str | None = None
    # Dataset-specific prompts (e.g. shipped with a wds folder); None: the template file.
    templates: list[str] | None = None

    def __post_init__(self):
        if self.test_split not in self.splits:
            raise DatasetFormatError(f"{self.name}: no {self.test_split!r} split (have {sorted(self.splits)})")
        for s, split in self.splits.items():
            if len(split.labels) == 0:
                raise DatasetFormatError(f"{self.name}: split {s!r} is empty")
            bad = split.labels[(split.labels < 0) | (split.labels >= len(self.classnames))]
            if len(bad):
                raise DatasetFormatError(
                    f"{self.name}: split {s!r} has label {int(bad[0])} outside 0..{len(self.classnames) - 1}"
                )

    @property
    def has_probe_splits(self) -> bool:
        return self.train_split is not None and self.train_split in self.splits


@dataclass
class RetrievalData:
    """Images and captions; caption j describes image caption_image[j] (several per image)."""

    name: str
    images: ImageSource
    captions: list[str]
    caption_image: np.ndarray
    image_ids: list[str] = field(default_factory=list)

    def __post_init__(self):
        self.caption_image = np.asarray(self.caption_image, dtype=np.int64)
        if len(self.captions) != len(self.caption_image):
            raise DatasetFormatError(
                f"{self.name}: {len(self.captions)} captions vs {len(self.caption_image)} image links"
            )
        if len(self.captions) == 0:
            raise DatasetFormatError(f"{self.name}: no captions")


def md5sum(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.md5()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def verify_md5(dataset: str, path: Path, expected: str) -> None:
    """Raise if a fixed published file does not match its published checksum (a truncated
    download is the usual cause, and it otherwise shows up as a baffling low score)."""
    got = md5sum(path)
    if got != expected:
        raise DatasetFormatError(
            f"{dataset}: {path} has md5 {got}, expected {expected} (corrupt or partial download: fetch it again)"
        )


def class_folders(dataset: str, root: Path, classes: Sequence[str], how: str) -> tuple[list[Path], list[int]]:
    """Images from `root/<class>/*` for a fixed list of class folders (NCT-CRC, LC25000, ...)."""
    if not root.is_dir():
        raise DatasetMissingError(dataset, root, "folder not found", how)
    missing = [c for c in classes if not (root / c).is_dir()]
    if missing:
        raise DatasetMissingError(dataset, root, f"class folders {missing} missing (expected {list(classes)})", how)
    paths, labels = [], []
    for i, c in enumerate(classes):
        files = sorted(p for p in (root / c).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not files:
            raise DatasetMissingError(dataset, root / c, "no images in class folder", how)
        paths += files
        labels += [i] * len(files)
    return paths, labels


def check_count(dataset: str, what: str, got: int, expected: int, verify: bool) -> None:
    """Published datasets have fixed sizes; a different count means a partial unzip or a mixed-up
    folder. With verification on that is an error, otherwise a warning (so subsets still run)."""
    if got == expected:
        return
    msg = f"{dataset}: {what} has {got} images, the published release has {expected} (incomplete or modified copy?)"
    if verify:
        raise DatasetFormatError(msg)
    import logging

    logging.getLogger(__name__).warning(msg)
