"""Two CPU processes over gloo (Lightning DDP) vs one process with the same global batch.

The contrastive loss gathers features across ranks (local_loss + gather_with_grad), rank r takes
every second sample of the one global order, and augmentation is seeded per global sample index,
so both runs see the same global batches and should follow the same loss curve. The DDP run is a
subprocess because Lightning's DDP launcher re-executes the entry script for rank 1."""

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import torch

from tests.ports import free_port

SCRIPT = Path(__file__).with_name("ddp_fit.py")
sys.path.insert(0, str(SCRIPT.parent))
from ddp_fit import params  # noqa: E402

from quiltkit.model.training import run_training  # noqa: E402


def _one_process(tiny_data, tmp_path) -> tuple[dict, list[float]]:
    """The reference: one process, global batch 8; its metrics and per-step losses."""
    torch.manual_seed(0)
    m = run_training(
        params(1, "auto", 8, tiny_data["train"]),
        11,
        tmp_path / "one" / "train",
        tmp_path / "one" / "plots",
        enable_progress_bar=False,
    )
    with open(tmp_path / "one" / "plots" / "train_loss.csv") as fh:
        return m, [float(r["loss"]) for r in csv.DictReader(fh)]


TIMEOUT_S = 240  # for all the processes of one DDP run together
ATTEMPTS = 3  # a free port can be taken by someone else before the rendezvous binds it


def _kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL the process group `proc` leads (Lightning's launcher starts rank 1 as its child,
    in that group), then reap it. Safe on a group that has already exited."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.communicate()  # reap, and drain the pipes so nothing blocks


def _run_group(commands_envs) -> list[tuple[int, str]]:
    """Start each (cmd, env) as the leader of a new process group, wait for all of them within
    one TIMEOUT_S deadline, and always kill every group, on success, failure or timeout, so no
    rank outlives the test. -> [(returncode, stdout + stderr)]."""
    procs = []
    try:
        for cmd, env in commands_envs:
            procs.append(
                subprocess.Popen(
                    cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
                )
            )
        deadline = time.monotonic() + TIMEOUT_S
        outs = [p.communicate(timeout=max(1.0, deadline - time.monotonic()))[0] for p in procs]
        return [(p.returncode, o) for p, o in zip(procs, outs)]
    finally:
        for p in procs:
            _kill_group(p)


def _port_taken(results) -> bool:
    return any(rc != 0 and ("EADDRINUSE" in out or "address already in use" in out.lower()) for rc, out in results)


def _run_ddp(make_commands) -> list[tuple[int, str]]:
    """make_commands(port) -> [(cmd, env)]; run them on a free MASTER_PORT, choosing another
    port only when the rendezvous found the chosen one taken."""
    for _ in range(ATTEMPTS):
        results = _run_group(make_commands(str(free_port())))
        if not _port_taken(results):
            return results
    return results


def test_ddp_two_processes_matches_one_process(tiny_data, tmp_path):
    def commands(port):
        env = dict(
            os.environ,
            PYTHONPATH=str(Path(__file__).parents[2] / "src"),
            MASTER_ADDR="127.0.0.1",
            MASTER_PORT=port,
            OMP_NUM_THREADS="1",
            QUILTKIT_NO_MLFLOW="1",
            HF_HUB_OFFLINE="1",
        )
        env.pop("LOCAL_RANK", None)
        return [([sys.executable, str(SCRIPT), "2", "ddp", "4", tiny_data["train"], str(tmp_path / "ddp")], env)]

    [(rc, out)] = _run_ddp(commands)
    assert rc == 0, out[-3000:]
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

    def commands(port):
        cmds = []
        for node in (0, 1):
            env = dict(
                os.environ,
                PYTHONPATH=str(Path(__file__).parents[2] / "src"),
                MASTER_ADDR="127.0.0.1",
                MASTER_PORT=port,
                NODE_RANK=str(node),
                LOCAL_RANK="0",
                WORLD_SIZE="2",
                OMP_NUM_THREADS="1",
                QUILTKIT_NO_MLFLOW="1",
                HF_HUB_OFFLINE="1",
            )
            cmds.append(
                ([sys.executable, str(SCRIPT), "1", "ddp", "4", tiny_data["train"], str(tmp_path / "nodes"), "2"], env)
            )
        return cmds

    results = _run_ddp(commands)
    assert all(rc == 0 for rc, _ in results), [out[-2000:] for _, out in results]
    two = json.loads((tmp_path / "nodes" / "result.json").read_text())

    m, one = _one_process(tiny_data, tmp_path)
    assert two["steps"] == m["steps"] == 3
    for a, b in zip(two["losses"], one):
        assert abs(a - b) < 2e-3, (two["losses"], one)
