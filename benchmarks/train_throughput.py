"""Samples/s of QuiltNetModule under Lightning vs a bare open_clip-style training loop.

Same model (create_model with the same seed), same batches (PairBatches), same optimiser and
schedule, same thread count; only the loop differs. Lightning's overhead per step (hooks, logging,
progress bookkeeping) should be small next to a forward/backward pass: target ratio >= 0.95.

    PYTHONPATH=src python benchmarks/train_throughput.py --data data/demo/external/pairs.csv --steps 20 \
        [--out metrics/train_throughput.json]

The figures go to --out (a benchmark file: no dvc.yaml stage reads it, so its timings stay out of
`dvc metrics` and `dvc exp show`).
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import torch


class StepTimer:
    """Times steps after `warmup` (first steps pay for allocator growth and lazy init)."""

    def __init__(self, warmup: int):
        self.warmup, self.n, self.t0, self.samples = warmup, 0, None, 0

    def tick(self, batch_size: int):
        self.n += 1
        if self.n == self.warmup:
            self.t0 = time.perf_counter()
        elif self.n > self.warmup:
            self.samples += batch_size

    def rate(self) -> float:
        return self.samples / (time.perf_counter() - self.t0)


def bare_loop(args, batches) -> float:
    from open_clip.loss import ClipLoss

    from quiltkit.model.factory import create_model
    from quiltkit.model.optim import build_optimizer, warmup_cosine

    model, *_ = create_model(args.model, seed=0)
    model.train()
    opt = build_optimizer(model, 1e-3, 0.1)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, warmup_cosine(2, args.steps))
    loss_fn = ClipLoss()
    timer = StepTimer(args.warmup)
    step = 0
    while step < args.steps:
        for images, tokens in batches:
            img, txt, scale = model(images, tokens)[:3]
            loss = loss_fn(img, txt, scale)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            with torch.no_grad():
                model.logit_scale.clamp_(0, 4.6052)
            timer.tick(images.shape[0])
            step += 1
            if step >= args.steps:
                break
        batches.epoch += 1
    return timer.rate()


def lightning_loop(args, datamodule) -> float:
    import lightning as L

    from quiltkit.model.factory import create_model
    from quiltkit.model.module import QuiltNetModule

    model, *_ = create_model(args.model, seed=0)
    module = QuiltNetModule(model, lr=1e-3, weight_decay=0.1, warmup_steps=2, total_steps=args.steps)
    timer = StepTimer(args.warmup)

    class Tick(L.Callback):
        def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
            timer.tick(batch[0].shape[0])

    trainer = L.Trainer(
        max_steps=args.steps,
        accelerator="cpu",
        devices=1,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        limit_val_batches=0,
        callbacks=[Tick()],
        use_distributed_sampler=False,
    )
    trainer.fit(module, datamodule=datamodule)
    return timer.rate()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="quiltkit-tiny")
    ap.add_argument("--data", default="data/demo/external/pairs.csv")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--out", default="metrics/train_throughput.json")
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    torch.set_num_threads(args.threads)

    from quiltkit.model.augment import HEAugment
    from quiltkit.model.datamodule import PairsDataModule
    from quiltkit.model.factory import create_model, image_size, normalization

    model, _, _, tok = create_model(args.model, seed=0)
    aug = HEAugment(image_size(model), *normalization(model))
    dm = PairsDataModule(args.data, None, aug, aug, tok, args.batch_size, seed=0)
    # Both loops decode and augment on the fly from the same source, in the main process. They
    # alternate and each keeps its best run, so a burst of load from other processes on a shared
    # machine (or first-run warm-up) does not decide the ratio.
    bare, light = 0.0, 0.0
    for r in range(args.repeats):
        bare = max(bare, bare_loop(args, dm.train_batches()))
        light = max(light, lightning_loop(args, dm))
        print(f"round {r + 1}: bare {bare:.1f}, lightning {light:.1f} samples/s (best so far)", flush=True)
    print(f"bare open_clip loop : {bare:8.1f} samples/s")
    print(f"Lightning module    : {light:8.1f} samples/s")
    print(f"ratio               : {light / bare:8.3f}  (target >= 0.95)")
    from quiltkit.io import write_json

    settings = {k: getattr(args, k) for k in ("model", "data", "batch_size", "steps", "warmup", "threads", "repeats")}
    write_json(
        args.out,
        {
            "bare_samples_per_s": round(bare, 2),
            "lightning_samples_per_s": round(light, 2),
            "ratio": round(light / bare, 4),
            "target_ratio": 0.95,
            "settings": settings,
            "machine": {"cpus": os.cpu_count(), "processor": platform.processor() or platform.machine()},
            "note": "best of --repeats alternating runs per loop; the ratio, not the rates, is the figure",
        },
    )
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
