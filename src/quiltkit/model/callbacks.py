"""Lightning callbacks: loss/zero-shot curves for DVC plots, atomic checkpoints, periodic `last`.

The curve callbacks keep their rows in their checkpointed state, so a resumed run rewrites the
CSVs with exactly the rows an uninterrupted run would have (no duplicates from the replayed part).
"""

from __future__ import annotations

import csv
import io
import logging
from pathlib import Path

import lightning as L
import torch
from lightning.fabric.plugins.io.torch_io import TorchCheckpointIO

from quiltkit.io import atomic_path, atomic_write_text
from quiltkit.model.prompts import load_templates

log = logging.getLogger(__name__)


def write_csv(path: Path, header: list[str], rows: list) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    atomic_write_text(path, buf.getvalue())


class AtomicCheckpointIO(TorchCheckpointIO):
    """A kill during a save leaves the previous checkpoint intact, never a truncated one."""

    def save_checkpoint(self, checkpoint, path, storage_options=None):
        with atomic_path(path) as tmp:
            super().save_checkpoint(checkpoint, tmp, storage_options)

    def load_checkpoint(self, path, map_location=None, weights_only=None):
        return super().load_checkpoint(path, map_location=map_location or "cpu", weights_only=True)


class LastCheckpoint(L.Callback):
    """`last.ckpt` every N optimizer steps and at the end, for resuming after a kill.

    Not after every validation: a tiny model's checkpoint is still ~90 MB (the 49k-token embedding
    table and its two Adam moments), and writing one per epoch would cost more than the epoch."""

    def __init__(self, path: Path, every_n_steps: int):
        self.path = Path(path)
        self.every = every_n_steps
        self._last_step = -1

    def _save(self, trainer):
        trainer.save_checkpoint(self.path, weights_only=False)  # full state: this file is for resuming
        self._last_step = trainer.global_step

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        if (
            self.every
            and trainer.global_step > 0
            and trainer.global_step % self.every == 0
            and trainer.global_step != self._last_step
        ):
            if not trainer.fit_loop.epoch_loop._should_accumulate():
                self._save(trainer)

    def on_train_epoch_end(self, trainer, pl_module):
        if not self.every:  # "epochs only" cadence
            self._save(trainer)

    def on_train_end(self, trainer, pl_module):
        self._save(trainer)


class LossCurve(L.Callback):
    """metrics/plots/train_loss.csv: step,loss,lr (rank 0)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.rows: list[list] = []
        self.start_step = 0  # global step when this process started fitting (after a resume: > 0)

    def on_train_start(self, trainer, pl_module):
        self.start_step = int(trainer.global_step)

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        loss = outputs.get("global_loss", outputs["loss"]) if isinstance(outputs, dict) else outputs
        lr = trainer.optimizers[0].param_groups[0]["lr"]
        self.rows.append([int(trainer.global_step), round(float(loss), 6), float(f"{lr:.6g}")])

    def on_train_epoch_end(self, trainer, pl_module):
        if trainer.is_global_zero:
            write_csv(self.path, ["step", "loss", "lr"], self.rows)

    def state_dict(self):
        return {"rows": self.rows}

    def load_state_dict(self, state):
        self.rows = [list(r) for r in state.get("rows", [])]


class ZeroShotCurve(L.Callback):
    """Zero-shot accuracy on the demo patches after each eval epoch; metrics/plots/train_zeroshot.csv."""

    def __init__(
        self,
        path: Path,
        patches_csv: Path,
        classnames_json: Path,
        preprocess,
        tokenizer,
        split: str = "val",
        templates: list[str] | None = None,
        batch_size: int = 64,
        every_n_epochs: int = 1,
    ):
        self.path = Path(path)
        # None: monitoring off (train.eval_patches: null); the CSV is still written, header only
        self.patches_csv = Path(patches_csv) if patches_csv else None
        self.classnames_json = Path(classnames_json)
        self.preprocess, self.tokenizer = preprocess, tokenizer
        self.split = split
        self.templates = templates or load_templates()
        self.batch_size = batch_size
        self.every = every_n_epochs
        self.rows: list[list] = []

    def available(self) -> bool:
        return self.patches_csv is not None and self.patches_csv.exists() and self.classnames_json.exists()

    def evaluate(self, model: torch.nn.Module, device="cpu") -> dict:
        from quiltkit.model.patch_check import evaluate_patches

        return evaluate_patches(
            model,
            self.tokenizer,
            self.preprocess,
            self.patches_csv,
            self.classnames_json,
            self.split,
            self.templates,
            device,
            self.batch_size,
        )

    def on_train_epoch_end(self, trainer, pl_module):
        # After the epoch's validation (Lightning validates inside the epoch loop), on the same
        # cadence, and also when there is no validation data at all.
        if (trainer.current_epoch + 1) % self.every or not trainer.is_global_zero or not self.available():
            return
        was_training = pl_module.model.training
        res = self.evaluate(pl_module.model, pl_module.device)
        pl_module.model.train(was_training)
        epoch = int(trainer.current_epoch)
        self.rows = [r for r in self.rows if r[0] != epoch] + [
            [epoch, round(res["balanced_accuracy"], 6), round(res["acc1"], 6)]
        ]
        write_csv(self.path, ["epoch", "balanced_accuracy", "acc1"], self.rows)
        for logger in trainer.loggers:
            logger.log_metrics(
                {"zeroshot/balanced_accuracy": res["balanced_accuracy"], "zeroshot/acc1": res["acc1"]},
                step=trainer.global_step,
            )
        log.info(
            "epoch %d zero-shot (%s): balanced acc %.3f, acc1 %.3f",
            epoch,
            self.split,
            res["balanced_accuracy"],
            res["acc1"],
        )

    def state_dict(self):
        return {"rows": self.rows}

    def load_state_dict(self, state):
        self.rows = [list(r) for r in state.get("rows", [])]
