"""QuiltNet as a LightningModule: any open_clip model, contrastive (CLIP) or sigmoid (SigLIP) loss.

The loss is built in `setup`, once the trainer knows this process's rank and the world size:
features from every rank are gathered so each image is contrasted with the texts of the *global*
batch, as open_clip does. With `local_loss` each rank computes only its own rows of the logit
matrix and `gather_with_grad` sends gradients back through the gather, which gives the same
gradients as one process holding the whole batch, at a fraction of the memory.
"""

from __future__ import annotations

import math
import time

import lightning as L
import torch

from quiltkit.model.optim import build_optimizer, warmup_cosine

MAX_LOGIT_SCALE = math.log(100.0)  # open_clip clamps the learnable temperature at 100


class QuiltNetModule(L.LightningModule):
    def __init__(
        self,
        model: torch.nn.Module,
        lr: float = 1e-3,
        weight_decay: float = 0.1,
        warmup_steps: int = 0,
        total_steps: int = 1,
        loss: str = "clip",
        lock_image: bool = False,
        lock_text: bool = False,
        grad_checkpointing: bool = False,
        fingerprint: str = "",
    ):
        super().__init__()
        self.model = model
        self.lr, self.weight_decay = lr, weight_decay
        self.warmup_steps, self.total_steps = warmup_steps, total_steps
        self.loss_name = loss
        self.fingerprint = fingerprint
        # Plain values only: they go into checkpoints that are read with weights_only=True.
        self.save_hyperparameters(ignore=["model"])
        if lock_image:
            model.lock_image_tower(unlocked_groups=0, freeze_bn_stats=True)
        if lock_text:
            model.lock_text_tower(unlocked_layers=0, freeze_layer_norm=True)
        if grad_checkpointing:
            model.set_grad_checkpointing(True)
        if loss == "siglip" and getattr(model, "logit_bias", None) is None:
            # SigLIP needs a learnable bias; open_clip models get one with init_logit_bias at build time.
            raise ValueError("train.loss=siglip needs a model built with init_logit_bias (see model.factory)")
        self.criterion = None
        self._t0 = None
        self._samples = 0

    # ---------------------------------------------------------------------------------- loss
    def setup(self, stage: str) -> None:
        from open_clip.loss import ClipLoss, SigLipLoss

        rank, world = (self.trainer.global_rank, self.trainer.world_size) if self._trainer else (0, 1)
        if self.loss_name == "siglip":
            self.criterion = SigLipLoss(rank=rank, world_size=world)
        else:
            self.criterion = ClipLoss(
                local_loss=world > 1, gather_with_grad=world > 1, cache_labels=True, rank=rank, world_size=world
            )
        # validation runs on unequal per-rank batches, so it never gathers across ranks
        self.val_criterion = SigLipLoss() if self.loss_name == "siglip" else ClipLoss()

    def _features(self, images, tokens):
        out = self.model(images, tokens)
        if isinstance(out, dict):
            return out["image_features"], out["text_features"], out["logit_scale"], out.get("logit_bias")
        return out[0], out[1], out[2], (out[3] if len(out) > 3 else None)

    def _loss(self, criterion, batch):
        images, tokens = batch
        img, txt, scale, bias = self._features(images, tokens)
        if self.loss_name == "siglip":
            return criterion(img, txt, scale, bias)
        return criterion(img, txt, scale)

    # ---------------------------------------------------------------------------------- steps
    def training_step(self, batch, batch_idx):
        if self.criterion is None:
            self.setup("fit")
        loss = self._loss(self.criterion, batch)
        n = batch[0].shape[0]
        self._samples += n * self.trainer.world_size
        # With local_loss each rank's value covers only its own rows of the global logit matrix;
        # their mean is the loss of the global batch, the number one process would report.
        shown = loss.detach()
        if self.trainer.world_size > 1:
            shown = self.all_gather(shown).mean()
        self.log("train/loss", shown, prog_bar=True, on_step=True, on_epoch=True, batch_size=n)
        self.log("train/lr", self.optimizers().param_groups[0]["lr"], on_step=True, on_epoch=False)
        self.log("train/logit_scale", self.model.logit_scale.exp().detach(), on_step=True, on_epoch=False)
        return {"loss": loss, "global_loss": shown}

    def on_train_batch_start(self, batch, batch_idx):
        if self._t0 is None:
            self._t0, self._samples = time.perf_counter(), 0

    def on_train_batch_end(self, outputs, batch, batch_idx):
        # The temperature is clamped after each update, as open_clip's train loop does.
        with torch.no_grad():
            self.model.logit_scale.clamp_(0, MAX_LOGIT_SCALE)
        dt = time.perf_counter() - self._t0
        if dt > 0:
            self.log("train/samples_per_s", self._samples / dt, on_step=True, on_epoch=False)

    def on_train_epoch_end(self):
        self._t0 = None  # validation time does not count as training throughput

    def validation_step(self, batch, batch_idx):
        loss = self._loss(self.val_criterion, batch)
        self.log(
            "val/loss", loss, prog_bar=True, on_step=False, on_epoch=True, sync_dist=True, batch_size=batch[0].shape[0]
        )
        return loss

    # ---------------------------------------------------------------------------------- optim
    def configure_optimizers(self):
        opt = build_optimizer(self.model, self.lr, self.weight_decay)
        sched = torch.optim.lr_scheduler.LambdaLR(opt, warmup_cosine(self.warmup_steps, self.total_steps))
        return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step", "frequency": 1}}

    # ---------------------------------------------------------------------------------- ckpt
    def on_save_checkpoint(self, checkpoint: dict) -> None:
        checkpoint["quiltkit_fingerprint"] = self.fingerprint
