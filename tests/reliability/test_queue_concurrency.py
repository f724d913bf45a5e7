"""`dvc exp run --queue` x3, then `dvc queue start -j 2`: two experiments run at once, each in
its own temp copy under .dvc/tmp/exps, and every stage run lands in the one MLflow SQLite store at
the ORIGINAL repository root (quiltkit.paths.repo_root), with no "database is locked" error.

The DVC project is tiny and self-contained (git init + dvc init in tmp; two stages whose command
is a small script that uses quiltkit.stage.stage_context with MLflow on), so the test measures
the queue and the shared store, not the pipeline.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent

STEP = '''"""One stage of the toy pipeline: read params, write an output, log to MLflow."""
import os
import sys
import time
from pathlib import Path

from quiltkit.io import write_json
from quiltkit.stage import stage_context

name = sys.argv[1]
with stage_context(name, section="project") as ctx:
    seed = ctx.params.project.seed
    prev = Path("outputs/a.json")
    base = __import__("json").loads(prev.read_text())["value"] if name == "b" else 0
    if name == "a":
        # A barrier, not a sleep: the first two experiments' runs of a wait for each other, so the
        # two workers provably overlap. A queue that ran them one at a time would hold the first
        # here for two minutes, and the overlap check below would fail.
        barrier = Path(os.environ["QK_BARRIER_DIR"])
        (barrier / str(seed)).touch()
        end = time.monotonic() + 120
        while len(list(barrier.iterdir())) < 2 and time.monotonic() < end:
            time.sleep(0.05)
    write_json(Path(f"outputs/{name}.json"), {"value": base + seed})
    ctx.finish({"value": base + seed, "seed": seed})
'''

DVC_YAML = """stages:
  a:
    cmd: python step.py a
    deps: [step.py]
    params: [project.seed]
    outs: [outputs/a.json]
    metrics: [{metrics/a.json: {cache: false}}]
  b:
    cmd: python step.py b
    deps: [step.py, outputs/a.json]
    outs: [outputs/b.json]
    metrics: [{metrics/b.json: {cache: false}}]
"""


def _env(src: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "DVC_", "QUILTKIT_"))}
    env.update(
        {
            "PATH": f"{BIN}:{env['PATH']}",
            "PYTHONPATH": str(src),
            "QUILTKIT_NO_MLFLOW": "0",
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@example.invalid",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@example.invalid",
            "HF_HUB_OFFLINE": "1",
            "OMP_NUM_THREADS": "1",
        }
    )
    return env


def _run(args, cwd, env, timeout=180, check=True):
    res = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if check:
        assert res.returncode == 0, f"{args}: {res.stdout[-2000:]}\n{res.stderr[-2000:]}"
    return res


@pytest.mark.slow
@pytest.mark.timeout(480)
def test_three_queued_experiments_two_workers_one_mlflow_store(tmp_path, code_snapshot):
    repo = tmp_path / "proj"
    repo.mkdir()
    env = _env(code_snapshot / "src")
    (tmp_path / "barrier").mkdir()
    env["QK_BARRIER_DIR"] = str(tmp_path / "barrier")
    dvc = str(BIN / "dvc")
    _run(["git", "init", "-q"], repo, env)
    _run([dvc, "init", "-q"], repo, env)
    shutil.copy2(code_snapshot / "params.yaml", repo / "params.yaml")  # the full, validated schema
    (repo / "step.py").write_text(STEP)
    (repo / "dvc.yaml").write_text(DVC_YAML)
    (repo / ".gitignore").write_text("mlflow.db\nmlflow.db.lock\nmlruns/\n")
    _run(["git", "add", "-A"], repo, env)
    _run(["git", "commit", "-qm", "toy pipeline"], repo, env)

    names = ["exp-s1", "exp-s2", "exp-s3"]
    for i, n in enumerate(names, start=1):
        _run([dvc, "exp", "run", "--queue", "-n", n, "-S", f"project.seed={i}"], repo, env)
    try:
        # Not through a pipe: the queue's workers (dvc_task's ManagedProcess) inherit dvc's stdout,
        # so reading a pipe to its end waits for the workers to exit, not for `queue start`
        # (measured: 29.6 s here, all of it the queue draining; in CI, `queue start` had exited 0
        # and the read still timed out at 180 s, a worker not shutting down). The queue's own
        # status, polled below, is what says when the experiments are done.
        started = tmp_path / "queue-start.log"
        with started.open("w") as log:
            res = subprocess.run(
                [dvc, "queue", "start", "-j", "2"],
                cwd=repo,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                timeout=180,
            )
        assert res.returncode == 0, started.read_text()[-2000:]
        t0 = time.monotonic()
        deadline = t0 + 360
        status = ""
        while time.monotonic() < deadline:
            status = _run([dvc, "queue", "status"], repo, env, check=False).stdout
            if not any(s in status for s in ("Queued", "Running")) and "Success" in status:
                print(f"queue drained {time.monotonic() - t0:.0f} s after `queue start` returned")
                break
            time.sleep(3)
        logs = {n: _run([dvc, "queue", "logs", n], repo, env, check=False).stdout[-1500:] for n in names}
        assert status.count("Success") == 3 and "Failed" not in status, (status, logs)
    finally:
        _run([dvc, "queue", "stop", "--kill"], repo, env, check=False, timeout=60)

    shown = json.loads(_run([dvc, "exp", "show", "--json"], repo, env).stdout)
    exps = {}
    for rev in shown:
        for e in rev.get("experiments") or []:
            for r in e.get("revs") or []:
                data = r.get("data") or {}
                exps[r.get("name")] = data.get("metrics", {}).get("metrics/b.json", {}).get("data", {})
    for i, n in enumerate(names, start=1):
        assert n in exps, f"dvc exp show lacks {n}: {list(exps)}"
        assert exps[n].get("value") == 2 * i, exps[n]

    # One store, at the original root; none inside an experiment copy; no lock error anywhere.
    db = repo / "mlflow.db"
    assert db.exists()
    assert not [p for p in (repo / ".dvc").rglob("mlflow.db")]
    import mlflow

    client = mlflow.MlflowClient(f"sqlite:///{db}")
    exp = client.get_experiment_by_name("quiltkit")
    runs = client.search_runs([exp.experiment_id], max_results=1000)
    stage_runs = [r for r in runs if r.data.tags.get("quiltkit.stage")]
    by_exp = {}
    for r in stage_runs:
        by_exp.setdefault(r.data.tags["dvc.experiment"], []).append(r)
    assert sorted(by_exp) == names, sorted(by_exp)
    for i, n in enumerate(names, start=1):
        rs = by_exp[n]
        assert sorted(r.data.tags["quiltkit.stage"] for r in rs) == ["a", "b"], n
        assert all(r.info.status == "FINISHED" for r in rs)
        assert {r.data.params["project.seed"] for r in rs} == {str(i)}
        assert {r.data.tags["mlflow.parentRunId"] for r in rs} and len(
            {r.data.tags["mlflow.parentRunId"] for r in rs}
        ) == 1
        assert next(r for r in rs if r.data.tags["quiltkit.stage"] == "b").data.metrics["value"] == 2 * i
    # the two workers really ran side by side: some experiment was still running (between its
    # first stage's start and its last stage's end) when another one started
    spans = {n: (min(r.info.start_time for r in by_exp[n]), max(r.info.end_time for r in by_exp[n])) for n in names}
    assert any(a != b and spans[a][0] < spans[b][0] < spans[a][1] for a in names for b in names), spans
    for n in names:
        log = _run([dvc, "queue", "logs", n], repo, env).stdout
        assert "step.py b" in log and "Traceback" not in log and "locked" not in log.lower(), log[-3000:]
