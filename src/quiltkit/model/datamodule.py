"""LightningDataModule: train/val pair streams for whatever model the module wraps.

Rank and world size come from the trainer at setup time, so the same DataModule serves a single
process and DDP; the train loader reports its position to Lightning's checkpoints.
"""

from __future__ import annotations

import lightning as L
from torch.utils.data import DataLoader

from quiltkit.model.data import PairBatches, ResumableLoader, source_for


class PairsDataModule(L.LightningDataModule):
    def __init__(
        self,
        train: str,
        val: str | None,
        transform_train,
        transform_val,
        tokenizer,
        batch_size: int,
        seed: int,
        num_workers: int = 0,
        val_batch_size: int | None = None,
    ):
        super().__init__()
        self.train_spec, self.val_spec = train, val
        self.transform_train, self.transform_val = transform_train, transform_val
        self.tokenizer = tokenizer
        self.batch_size = batch_size
        self.val_batch_size = val_batch_size or batch_size
        self.seed = seed
        self.num_workers = num_workers
        self.train_source = source_for(train)
        self.val_source = source_for(val) if val else None

    def _rank(self) -> tuple[int, int]:
        t = self.trainer
        return (t.global_rank, t.world_size) if t is not None else (0, 1)

    def train_batches(self, rank: int = 0, world_size: int = 1) -> PairBatches:
        return PairBatches(
            self.train_source,
            self.transform_train,
            self.tokenizer,
            self.batch_size,
            seed=self.seed,
            shuffle=True,
            drop_last=True,
            rank=rank,
            world_size=world_size,
        )

    def batches_per_epoch(self, world_size: int = 1) -> int:
        return len(self.train_batches(0, world_size))

    def train_dataloader(self):
        rank, world = self._rank()
        trainer = self.trainer

        def position() -> int:
            # batches whose optimisation step has run in the current epoch
            return trainer.fit_loop.epoch_loop.batch_progress.current.processed if trainer else 0

        return ResumableLoader(self.train_batches(rank, world), num_workers=self.num_workers, position_fn=position)

    def val_dataloader(self):
        if self.val_source is None:
            return []
        rank, world = self._rank()
        ds = PairBatches(
            self.val_source,
            self.transform_val,
            self.tokenizer,
            min(self.val_batch_size, max(1, len(self.val_source) // world)),
            seed=self.seed,
            shuffle=False,
            drop_last=False,
            rank=rank,
            world_size=world,
        )
        return DataLoader(ds, batch_size=None, num_workers=self.num_workers)
