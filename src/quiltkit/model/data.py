"""Image-text pairs for training: webdataset shards (or an open_clip CSV), streamed in a
deterministic, resumable order.

Why not webdataset's own shuffling and splitting: three things have to hold together here.
(1) Given the seed, an epoch's sample order is fixed, whatever the number of loader workers.
(2) With DDP every rank sees a disjoint slice of that order and *exactly* as many batches as the
    others, or the collective all_gather in the contrastive loss waits forever.
(3) A run killed mid-epoch resumes at the next unseen batch with the same pixels (augmentation
    included) it would have seen without the kill.
So the shards are read with `webdataset.WebDataset` (raw bytes, no node/worker splitting), the
global stream is shuffled with an RNG seeded by (seed, epoch) (shard order plus a shuffle buffer,
which stays streaming), sample i goes to rank i % world_size, and each rank's batch b is built by
worker b % num_workers. PyTorch's DataLoader collects from workers round-robin, so the batch order
is the same for any worker count. Images are decoded after the skip, so resuming skips cheaply.
At very large scale every rank reading every shard is wasteful; shard-level node splitting would
be the next step, at the price of (2) needing per-shard sample counts.
"""

from __future__ import annotations

import csv
import io
import logging
import random
import tarfile
from pathlib import Path
from typing import Callable, Iterator

import torch
from PIL import Image
from torch.utils.data import DataLoader, IterableDataset, Sampler, get_worker_info

from quiltkit.io import TAR_READ_ERRORS

log = logging.getLogger(__name__)

IMAGE_EXTS = ("png", "jpg", "jpeg", "webp")


class DataError(ValueError):
    """A shard, CSV row or image that cannot be used; the message names it."""


# ------------------------------------------------------------------------------------------ sources


class ShardSource:
    """Raw (key, image bytes, caption) samples from webdataset tar shards."""

    def __init__(self, shards: list[Path | str]):
        self.shards = sorted(str(s) for s in shards)
        if not self.shards:
            raise DataError("no webdataset shards given")
        for s in self.shards:
            if not Path(s).exists():
                raise DataError(f"shard {s} does not exist")
        self._count: int | None = None

    def __len__(self) -> int:
        # Counting tar members reads headers only; cheap next to decoding the images.
        if self._count is None:
            keys = set()
            for s in self.shards:
                try:
                    with tarfile.open(s) as tf:
                        for m in tf.getmembers():
                            base = Path(m.name).name
                            stem, _, ext = base.partition(".")
                            if ext.lower() == "txt":
                                keys.add((s, str(Path(m.name).parent / stem)))
                except TAR_READ_ERRORS as err:
                    raise DataError(f"shard {s} is not a readable tar file: {err}") from None
            self._count = len(keys)
        return self._count

    def iterate(self, rng: random.Random | None) -> Iterator[tuple[str, bytes, str]]:
        import webdataset as wds

        urls = list(self.shards)
        if rng is not None:
            rng.shuffle(urls)
        ds = wds.WebDataset(urls, shardshuffle=False, nodesplitter=None, workersplitter=None, empty_check=False)
        for sample in ds:
            key = sample.get("__key__", "?")
            img = next((sample[e] for e in IMAGE_EXTS if e in sample), None)
            txt = sample.get("txt")
            if img is None or txt is None:
                raise DataError(
                    f"{sample.get('__url__', urls)}: sample {key!r} lacks an image (png/jpg) or a .txt caption"
                )
            yield f"{sample.get('__url__', '')}:{key}", img, txt.decode("utf-8") if isinstance(txt, bytes) else str(txt)


def resolve_relative(p: str, listed_in: Path) -> Path:
    """Paths in our CSVs are relative to the repository root (ARCHITECTURE.md); when run from
    elsewhere, try the folders above the CSV, nearest first, then the CSV's own folder."""
    path = Path(p)
    if path.is_absolute() or path.exists():
        return path
    for parent in Path(listed_in).resolve().parents:
        if (parent / path).exists():
            return parent / path
    return Path(listed_in).parent / path


class CsvSource:
    """open_clip CSV (filepath,title): paths relative to the working directory or the CSV's folder."""

    def __init__(self, csv_path: Path | str, img_key: str = "filepath", caption_key: str = "title"):
        self.csv_path = Path(csv_path)
        if not self.csv_path.exists():
            raise DataError(f"CSV {self.csv_path} does not exist")
        with open(self.csv_path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            missing = {img_key, caption_key} - set(reader.fieldnames or [])
            if missing:
                raise DataError(f"{self.csv_path}: missing column(s) {sorted(missing)}; has {reader.fieldnames}")
            self.rows = [(r[img_key], r[caption_key]) for r in reader]
        if not self.rows:
            raise DataError(f"{self.csv_path}: no rows")

    def __len__(self) -> int:
        return len(self.rows)

    def _resolve(self, p: str) -> Path:
        return resolve_relative(p, self.csv_path)

    def iterate(self, rng: random.Random | None) -> Iterator[tuple[str, bytes, str]]:
        order = list(range(len(self.rows)))
        if rng is not None:
            rng.shuffle(order)
        for i in order:
            fp, title = self.rows[i]
            path = self._resolve(fp)
            try:
                data = path.read_bytes()
            except OSError as err:
                raise DataError(f"{self.csv_path} row {i + 2}: cannot read image {fp!r}: {err}") from None
            yield f"{self.csv_path.name}:{i + 2}", data, title


def source_for(spec: str) -> ShardSource | CsvSource:
    """'path/to/shards/train-*.tar' (glob) | 'dir/with/shards' + split | 'file.csv'."""
    p = Path(spec)
    if p.suffix == ".csv":
        return CsvSource(p)
    shards = sorted(p.glob("*.tar")) if p.is_dir() else sorted(p.parent.glob(p.name))
    if not shards:
        raise DataError(f"no webdataset shards match {spec!r} (run the dataset stage first?)")
    return ShardSource(shards)


# ------------------------------------------------------------------------------------------ batching


def _sample_seed(seed: int, epoch: int, index: int) -> int:
    return (seed * 1_000_003 + epoch * 7_919 + index * 104_729) % (2**63 - 1)


class PairBatches(IterableDataset):
    """Yields collated (images, tokens) batches for one rank; see the module docstring."""

    def __init__(
        self,
        source,
        transform: Callable,
        tokenizer: Callable,
        batch_size: int,
        seed: int = 0,
        shuffle: bool = True,
        drop_last: bool = True,
        rank: int = 0,
        world_size: int = 1,
        shuffle_buffer: int = 2000,
    ):
        self.source = source
        self.transform = transform
        self.tokenizer = tokenizer
        self.batch_size = batch_size
        self.seed = seed
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.rank = rank
        self.world_size = world_size
        self.shuffle_buffer = shuffle_buffer
        self.epoch = 0
        self.skip_batches = 0
        n = len(source)
        per_rank = n // world_size if drop_last else -(-n // world_size)
        self.n_batches = per_rank // batch_size if drop_last else -(-per_rank // batch_size)
        if self.n_batches == 0:
            raise DataError(
                f"{n} samples cannot fill one batch of {batch_size} on each of {world_size} rank(s); "
                "lower train.batch_size"
            )

    def __len__(self) -> int:
        return self.n_batches

    def _stream(self) -> Iterator[tuple[int, str, bytes, str]]:
        rng = random.Random(_sample_seed(self.seed, self.epoch, 0)) if self.shuffle else None
        it = self.source.iterate(rng)
        if rng is None:
            yield from ((i, *s) for i, s in enumerate(it))
            return
        buf: list = []
        i = 0
        for s in it:
            buf.append(s)
            if len(buf) >= self.shuffle_buffer:
                j = rng.randrange(len(buf))
                buf[j], buf[-1] = buf[-1], buf[j]
                yield i, *buf.pop()
                i += 1
        rng.shuffle(buf)
        for s in buf:
            yield i, *s
            i += 1

    def _decode(self, index: int, key: str, data: bytes, text: str):
        try:
            img = Image.open(io.BytesIO(data))
            img.load()
        except Exception as err:  # PIL raises several types for corrupt files
            raise DataError(f"sample {key}: image does not decode: {err}") from None
        g = torch.Generator().manual_seed(_sample_seed(self.seed, self.epoch, index + 1))
        if getattr(self.transform, "accepts_generator", False):
            return self.transform(img, g), text
        # a plain torchvision transform (e.g. open_clip's preprocess) draws from torch's global RNG
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(int(g.initial_seed()))
            return self.transform(img), text

    def __iter__(self):
        info = get_worker_info()
        wid, nw = (info.id, info.num_workers) if info else (0, 1)
        images, texts = [], []
        local = 0
        for i, key, data, text in self._stream():
            if i % self.world_size != self.rank:
                continue
            b = local // self.batch_size
            local += 1
            if b >= self.n_batches:
                break
            if b < self.skip_batches or b % nw != wid:
                continue
            img, txt = self._decode(i, key, data, text)
            images.append(img)
            texts.append(txt)
            if len(images) == self.batch_size:
                yield torch.stack(images), self.tokenizer(texts)
                images, texts = [], []
        if images and not self.drop_last:
            yield torch.stack(images), self.tokenizer(texts)


class _EpochSampler(Sampler):
    """Lightning calls `sampler.set_epoch(e)` at every epoch start, restarts included. Like the
    DataLoader's own sampler for iterable datasets it yields nothing meaningful: the dataset
    decides the order."""

    def __init__(self, loader: "ResumableLoader"):
        self._loader = loader

    def __iter__(self):
        while True:
            yield None

    def set_epoch(self, epoch: int) -> None:
        self._loader.epoch = epoch


class ResumableLoader(DataLoader):
    """DataLoader over PairBatches that Lightning can checkpoint (it is `_Stateful`).

    The position is read from the trainer (`position_fn`: batches whose step has run this epoch),
    not counted here, because Lightning prefetches a batch ahead of the step it checkpoints.
    """

    def __init__(self, dataset: PairBatches, num_workers: int = 0, position_fn: Callable[[], int] | None = None):
        super().__init__(dataset, batch_size=None, num_workers=num_workers, persistent_workers=False)
        object.__setattr__(self, "sampler", _EpochSampler(self))  # DataLoader forbids normal assignment
        self.epoch = 0
        self.position_fn = position_fn
        self._resume: tuple[int, int] | None = None

    def __iter__(self):
        ds: PairBatches = self.dataset
        ds.epoch = self.epoch
        ds.skip_batches = 0
        if self._resume is not None:
            epoch, done = self._resume
            if epoch == self.epoch:
                ds.skip_batches = done
                log.info("resuming epoch %d after batch %d", epoch, done)
            self._resume = None
        return super().__iter__()

    def state_dict(self) -> dict:
        done = self.position_fn() if self.position_fn else 0
        return {"epoch": int(self.epoch), "batches_done": int(done)}

    def load_state_dict(self, state: dict) -> None:
        self._resume = (int(state["epoch"]), int(state["batches_done"]))
