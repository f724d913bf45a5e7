"""Entry script for the DDP test: Lightning's launcher re-runs this file once per extra rank.

usage: ddp_fit.py DEVICES STRATEGY BATCH_PER_RANK TRAIN_GLOB OUT_DIR [NUM_NODES]
"""

import json
import sys
from pathlib import Path

from quiltkit.config import TrainParams


def params(devices: int, strategy: str, batch: int, train: str, num_nodes: int = 1) -> TrainParams:
    return TrainParams(
        model="quiltkit-micro",
        train_data=train,
        val_data=None,
        batch_size=batch,
        epochs=1,
        max_steps=3,
        lr=2e-3,
        warmup_steps=1,
        devices=devices,
        num_nodes=num_nodes,
        strategy=strategy,
        accelerator="cpu",
        threads=1,
        checkpoint_every_n_steps=0,
        eval_patches=None,
    )


if __name__ == "__main__":
    from quiltkit.model.training import run_training

    devices, strategy, batch, train, out = (
        int(sys.argv[1]),
        sys.argv[2],
        int(sys.argv[3]),
        sys.argv[4],
        Path(sys.argv[5]),
    )
    nodes = int(sys.argv[6]) if len(sys.argv) > 6 else 1
    metrics = run_training(
        params(devices, strategy, batch, train, nodes), 11, out / "train", out / "plots", enable_progress_bar=False
    )
    if metrics:  # rank 0 only
        rows = (out / "plots" / "train_loss.csv").read_text().splitlines()[1:]
        (out / "result.json").write_text(
            json.dumps({"losses": [float(r.split(",")[1]) for r in rows], "steps": metrics["steps"]})
        )
