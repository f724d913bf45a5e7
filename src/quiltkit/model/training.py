"""Train QuiltNet: build the model, data, trainer and callbacks from TrainParams; export the result.

A run is identified by a fingerprint of everything that changes its numbers (train params minus
threads/workers, the seed, the model config, the dataset files' sizes and times). `last.ckpt` is
only resumed when its fingerprint matches; otherwise the stale checkpoints are cleared and training
starts over. Together with the resumable data order (model/data.py) this makes "killed at step 37,
re-run" produce the same model as "never killed".
"""

from __future__ import annotations

import glob
import hashlib
import json
import logging
import math
import os
import time
from pathlib import Path

import torch

from quiltkit.config import TrainParams
from quiltkit.io import clean_temp_files
from quiltkit.model.augment import HEAugment
from quiltkit.model.callbacks import AtomicCheckpointIO, LastCheckpoint, LossCurve, ZeroShotCurve
from quiltkit.model.datamodule import PairsDataModule
from quiltkit.model.export import export_model
from quiltkit.model.factory import create_model, image_size, model_config, normalization
from quiltkit.model.module import QuiltNetModule
from quiltkit.model.prompts import load_templates

log = logging.getLogger(__name__)

# Params that change speed but not results: a run may resume under different values of these.
_NOT_IN_FINGERPRINT = {"threads", "num_workers", "resume", "checkpoint_every_n_steps", "eval_every_epochs"}


def _data_files(spec: str | None) -> list[str]:
    if not spec:
        return []
    p = Path(spec)
    if p.suffix == ".csv":
        return [str(p)]
    return sorted(glob.glob(str(p / "*.tar"))) if p.is_dir() else sorted(glob.glob(spec))


def fingerprint(tp: TrainParams, seed: int) -> str:
    files = {
        f: [os.path.getsize(f), int(os.path.getmtime(f))] for f in _data_files(tp.train_data) + _data_files(tp.val_data)
    }
    doc = {
        "train": {k: v for k, v in tp.model_dump().items() if k not in _NOT_IN_FINGERPRINT},
        "seed": seed,
        "model_config": model_config(tp.model),
        "data": files,
    }
    return hashlib.sha1(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _resume_path(last: Path, fp: str, enabled: bool) -> str | None:
    if not last.exists():
        return None
    try:
        ckpt = torch.load(last, map_location="cpu", weights_only=True)
        found = ckpt.get("quiltkit_fingerprint")
    except Exception as err:  # a corrupt file is as good as none
        log.warning("cannot read %s (%s); starting over", last, err)
        found = None
    if enabled and found == fp:
        log.info("resuming from %s (fingerprint %s)", last, fp)
        return str(last)
    log.info(
        "not resuming: %s", "train.resume is false" if not enabled else f"{last} is from other params ({found} != {fp})"
    )
    for p in last.parent.glob("*.ckpt"):
        p.unlink()
    return None


def _logger(tracker):
    if tracker is None or not getattr(tracker, "run_id", None):
        return False
    from lightning.pytorch.loggers import MLFlowLogger

    return MLFlowLogger(tracking_uri=tracker.uri, run_id=tracker.run_id, experiment_name=tracker.experiment)


def run_training(
    tp: TrainParams,
    seed: int,
    out_dir: Path | str = "outputs/train",
    plots_dir: Path | str = "metrics/plots",
    tracker=None,
    enable_progress_bar: bool = True,
    extra_callbacks: list | None = None,
    info: dict | None = None,
) -> dict:
    import lightning as L

    t_start = time.time()
    out_dir, plots_dir = Path(out_dir), Path(plots_dir)
    ckpt_dir = out_dir / "checkpoints"
    ckpt_dir.mkdir(parents=True, exist_ok=True)
    if not is_ddp_child():
        # A kill inside a checkpoint save (AtomicCheckpointIO) or the export leaves its hidden
        # temp file, partial and as large as a whole one, in a DVC output; no run reads it.
        for d in (ckpt_dir, out_dir / "export"):
            n = clean_temp_files(d)
            if n:
                log.info("removed %d temp file(s) left in %s by an interrupted run", n, d)
    torch.set_num_threads(tp.threads)
    L.seed_everything(seed, workers=True, verbose=False)

    if tp.val_data and not _data_files(tp.val_data):
        # The dataset stage writes no shard for an empty split; train without validation then.
        log.warning("no validation data at %s: training without val loss / best.ckpt", tp.val_data)
        tp = tp.model_copy(update={"val_data": None})
    extra = {"init_logit_scale": math.log(10), "init_logit_bias": -10.0} if tp.loss == "siglip" else {}
    model, _, preprocess_val, tokenizer = create_model(tp.model, tp.pretrained, seed=seed, **extra)
    size, (mean, std) = image_size(model), normalization(model)
    dm = PairsDataModule(
        tp.train_data,
        tp.val_data,
        HEAugment(size, mean, std, augment=tp.augment),
        HEAugment(size, mean, std, augment=False),
        tokenizer,
        tp.batch_size,
        seed,
        num_workers=tp.num_workers,
    )
    world = tp.devices * tp.num_nodes if tp.strategy != "auto" or tp.devices * tp.num_nodes > 1 else 1
    batches = dm.batches_per_epoch(world)
    steps_per_epoch = math.ceil(batches / tp.accumulate_grad_batches)
    total_steps = steps_per_epoch * tp.epochs
    if tp.max_steps:
        total_steps = min(total_steps, tp.max_steps)
    fp = fingerprint(tp, seed)
    module = QuiltNetModule(
        model,
        lr=tp.lr,
        weight_decay=tp.weight_decay,
        warmup_steps=tp.warmup_steps,
        total_steps=total_steps,
        loss=tp.loss,
        lock_image=tp.lock_image,
        lock_text=tp.lock_text,
        grad_checkpointing=tp.grad_checkpointing,
        fingerprint=fp,
    )
    ckpt_path = _resume_path(ckpt_dir / "last.ckpt", fp, tp.resume)

    from lightning.pytorch.callbacks import ModelCheckpoint

    zeroshot = ZeroShotCurve(
        plots_dir / "train_zeroshot.csv",
        tp.eval_patches,
        Path(tp.eval_classnames),
        preprocess_val,
        tokenizer,
        split=tp.zeroshot_split,
        templates=load_templates(),
        every_n_epochs=tp.eval_every_epochs,
    )
    if tp.eval_patches is None:
        log.info("train.eval_patches is null: no zero-shot monitoring during training")
    elif not zeroshot.available():
        # Named before any step is trained, not after: an hour of training lost to a typo in a path.
        missing = [
            f"train.{k}={v!r}"
            for k, v in (("eval_patches", tp.eval_patches), ("eval_classnames", tp.eval_classnames))
            if not Path(v).is_file()
        ]
        raise FileNotFoundError(
            f"zero-shot monitoring during training needs {' and '.join(missing)}: not found "
            "(point them at your patches CSV and class names JSON, or set train.eval_patches: null)"
        )
    best = ModelCheckpoint(
        dirpath=ckpt_dir,
        filename="best",
        monitor="val/loss",
        mode="min",
        save_top_k=1,
        auto_insert_metric_name=False,
        enable_version_counter=False,
    )
    loss_curve = LossCurve(plots_dir / "train_loss.csv")
    callbacks = [
        loss_curve,
        zeroshot,
        *([best] if tp.val_data else []),
        LastCheckpoint(ckpt_dir / "last.ckpt", tp.checkpoint_every_n_steps),
        *(extra_callbacks or []),
    ]
    trainer = L.Trainer(
        max_epochs=tp.epochs,
        max_steps=tp.max_steps or -1,
        accelerator=tp.accelerator,
        devices=tp.devices,
        num_nodes=tp.num_nodes,
        strategy=tp.strategy,
        precision=tp.precision,
        accumulate_grad_batches=tp.accumulate_grad_batches,
        check_val_every_n_epoch=tp.eval_every_epochs,
        callbacks=callbacks,
        logger=_logger(tracker),
        plugins=[AtomicCheckpointIO()],
        default_root_dir=str(out_dir),
        log_every_n_steps=1,
        num_sanity_val_steps=0,
        use_distributed_sampler=False,  # PairBatches splits by rank itself
        enable_progress_bar=enable_progress_bar,
        enable_model_summary=False,
        limit_val_batches=None if tp.val_data else 0,
    )
    t_fit = time.time()
    trainer.fit(module, datamodule=dm, ckpt_path=ckpt_path, weights_only=True)
    fit_seconds = time.time() - t_fit
    if not trainer.is_global_zero:
        return {}

    cm = trainer.callback_metrics
    final_zs = zeroshot.rows[-1] if zeroshot.rows else None
    if zeroshot.available() and (final_zs is None or final_zs[0] != trainer.current_epoch - 1):
        res = zeroshot.evaluate(module.model)
        final_zs = [trainer.current_epoch - 1, res["balanced_accuracy"], res["acc1"]]
    samples = (trainer.global_step - loss_curve.start_step) * tp.batch_size * tp.accumulate_grad_batches * world
    train_losses = [r[1] for r in loss_curve.rows]
    metrics = {
        "final_train_loss": round(
            float(cm.get("train/loss_epoch", torch.tensor(train_losses[-1] if train_losses else float("nan")))), 5
        ),
        "best_val_loss": round(float(best.best_model_score), 5) if best.best_model_score is not None else None,
        "epochs": int(trainer.current_epoch),
        "steps": int(trainer.global_step),
        "samples_per_s": round(samples / fit_seconds, 2) if fit_seconds > 0 else None,
        "wall_seconds": round(time.time() - t_start, 2),
        "zeroshot_balanced_accuracy": round(float(final_zs[1]), 4) if final_zs else None,
        "zeroshot_acc1": round(float(final_zs[2]), 4) if final_zs else None,
        "resumed": ckpt_path is not None,
        "fingerprint": fp,
    }
    # Loss CSV is flushed at epoch ends; make sure a max_steps stop mid-epoch is written too.
    from quiltkit.model.callbacks import write_csv

    write_csv(plots_dir / "train_loss.csv", ["step", "loss", "lr"], loss_curve.rows)
    # and the zero-shot curve, header only when monitoring is off: the stage's declared plot exists
    write_csv(plots_dir / "train_zeroshot.csv", ["epoch", "balanced_accuracy", "acc1"], zeroshot.rows)
    info = {
        "epochs": metrics["epochs"],
        "steps": metrics["steps"],
        "seed": seed,
        "fingerprint": fp,
        "train_params": tp.model_dump(),
        "exported_from": "last",
        **(info or {}),
    }
    export_model(module.model, tp.model, out_dir / "export", info)
    return metrics


def is_ddp_child() -> bool:
    """Lightning's DDP launcher re-runs the entry script for ranks > 0 with LOCAL_RANK set."""
    return os.environ.get("LOCAL_RANK", "0") != "0" or os.environ.get("NODE_RANK", "0") != "0"
