"""Two CPU processes over gloo (Lightning DDP) vs one process with the same global batch.

The contrastive loss gathers features across ranks (local_loss + gather_with_grad), rank r takes
every second sample of the one global order, and augmentation is seeded per global sample index,
so both runs see the same global batches and should follow the same loss curve. The DDP run is a
subprocess because Lightning's DDP launcher re-executes the entry script for rank 1."""
import csv
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import torch

SCRIPT = Path(__file__).with_name("ddp_fit.py")
sys.path.insert(0, str(SCRIPT.parent))
from ddp_fit import params  # noqa: E402

from quiltkit.model.training import run_training  # noqa: E402


def _one_process(tiny_data, tmp_path) -> tuple[dict, list[float]]:
    """The reference: one process, global batch 8; its metrics and per-step losses."""
    torch.manual_seed(0)
    m = run_training(params(1, "auto", 8, tiny_data["train"]), 11, tmp_path / "one" / "train", tmp_path / "one" / "plots",
                     enable_progress_bar=False)
    with open(tmp_path / "one" / "plots" / "train_loss.csv") as fh:
        return m, [float(r["loss"]) for r in csv.DictReader(fh)]


def test_ddp_two_processes_matches_one_process(tiny_data, tmp_path):
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).parents[2] / "src"), MASTER_ADDR="127.0.0.1",
               MASTER_PORT=str(random.randint(20000, 40000)), OMP_NUM_THREADS="1", QUILTKIT_NO_MLFLOW="1", HF_HUB_OFFLINE="1")
    env.pop("LOCAL_RANK", None)
    proc = subprocess.run([sys.executable, str(SCRIPT), "2", "ddp", "4", tiny_data["train"], str(tmp_path / "ddp")],
                          env=env, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    two = json.loads((tmp_path / "ddp" / "result.json").read_text())

    m, one = _one_process(tiny_data, tmp_path)
    assert two["steps"] == m["steps"] == 3 and len(two["losses"]) == len(one) == 3
    for a, b in zip(two["losses"], one):
        assert abs(a - b) < 2e-3, (two["losses"], one)
    assert one[0] != one[-1]  # the weights moved between steps


def test_two_nodes_match_one_process(tiny_data, tmp_path):
    """train.num_nodes: two "nodes" of one process each, launched the way torchrun or srun would
    (NODE_RANK, LOCAL_RANK, WORLD_SIZE, MASTER_ADDR/PORT in the environment), on one machine: the
    same loss curve as one process with the same global batch."""
    port = str(random.randint(20000, 40000))
    procs = []
    for node in (0, 1):
        env = dict(os.environ, PYTHONPATH=str(Path(__file__).parents[2] / "src"), MASTER_ADDR="127.0.0.1", MASTER_PORT=port,
                   NODE_RANK=str(node), LOCAL_RANK="0", WORLD_SIZE="2", OMP_NUM_THREADS="1", QUILTKIT_NO_MLFLOW="1",
                   HF_HUB_OFFLINE="1")
        procs.append(subprocess.Popen([sys.executable, str(SCRIPT), "1", "ddp", "4", tiny_data["train"], str(tmp_path / "nodes"), "2"],
                                      env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    outs = [p.communicate(timeout=240)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[-2000:] for o in outs]
    two = json.loads((tmp_path / "nodes" / "result.json").read_text())

    m, one = _one_process(tiny_data, tmp_path)
    assert two["steps"] == m["steps"] == 3
    for a, b in zip(two["losses"], one):
        assert abs(a - b) < 2e-3, (two["losses"], one)
