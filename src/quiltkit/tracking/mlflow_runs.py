"""One MLflow run per stage, all of one pipeline version grouped under a parent run.

Stages run as separate processes (DVC starts each), so there is no process to own a parent run.
Instead the parent is found by a key, the git commit plus a fingerprint of params.yaml plus the
DVC experiment name: every stage of one `dvc repro` (or one `dvc exp run`) computes the same key
and attaches to the same parent, created by whichever stage comes first.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import signal
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from quiltkit.paths import repo_root, workspace_root
from quiltkit.tracking import provenance

log = logging.getLogger(__name__)

# Keys that look like secrets never reach MLflow, whatever a caller passes.
_SECRET = re.compile(r"(key|token|secret|password|credential|auth)", re.I)


def tracking_uri(configured: str) -> str:
    """Resolve a relative sqlite/file URI against the original repository root."""
    env = os.environ.get("MLFLOW_TRACKING_URI")
    if env:
        return env
    if configured.startswith("sqlite:///") and not configured.startswith("sqlite:////"):
        rel = configured[len("sqlite:///") :]
        return f"sqlite:///{(repo_root() / rel).resolve()}"
    return configured


@contextmanager
def _store_init_lock(uri: str) -> Iterator[None]:
    """Serialise the first touch of a SQLite store across processes.

    The first client in a process creates or migrates the schema (alembic) and may create the
    experiment. Two `dvc queue start -j 2` workers doing that at once on a fresh store collide
    with "duplicate column name" or "experiment already exists", which are not lock errors and
    would fail the stage; an exclusive flock on <db>.lock makes the second wait a moment instead.
    """
    if not uri.startswith("sqlite:///"):
        yield
        return
    db = Path(uri[len("sqlite:///") :])
    db.parent.mkdir(parents=True, exist_ok=True)
    with open(db.with_name(db.name + ".lock"), "a") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def scrub(params: dict) -> dict:
    return {k: ("***" if _SECRET.search(k) else v) for k, v in params.items()}


def flatten(d: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(flatten(v, key + "."))
        else:
            out[key] = v
    return out


class StageTerminated(BaseException):
    """Raised in a stage's main thread when SIGTERM arrives (dvc, a queue or a scheduler
    stopping it), so the stage unwinds through its context managers and its run ends KILLED
    instead of staying RUNNING. A BaseException, like KeyboardInterrupt: no `except Exception`
    inside a stage swallows it."""


def _terminate_handler(owner: int):
    def handler(signum, frame):
        if os.getpid() != owner:
            # a worker forked from the stage inherits the handler: it dies as it would have
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        raise StageTerminated(f"signal {signum}")

    return handler


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class StageTracker:
    """Context manager: a nested MLflow run for one stage.

    Its run ends FINISHED, FAILED on an exception, KILLED on SIGINT or SIGTERM. A kill -9 cannot
    be caught, so each run records its host and process id, and the next run of the same stage
    ends those earlier runs whose process is gone as KILLED."""

    def __init__(self, stage: str, uri: str, experiment: str, params: dict, enabled: bool = True):
        self.stage = stage
        self.uri = tracking_uri(uri)
        self.experiment = experiment
        self.params = params
        self.enabled = enabled and os.environ.get("QUILTKIT_NO_MLFLOW") != "1"
        self.run = None
        self.run_id: str | None = None

    def __enter__(self) -> "StageTracker":
        if not self.enabled:
            return self
        import mlflow

        mlflow.set_tracking_uri(self.uri)
        with _store_init_lock(self.uri):
            exp = self._retry(lambda: mlflow.set_experiment(self.experiment))
        ws = workspace_root()
        commit = provenance.git_commit(ws)
        exp_name = provenance.dvc_experiment_name()
        key = f"{commit[:12]}-{provenance.params_fingerprint(ws)}-{exp_name}"
        parent = self._parent(mlflow, exp.experiment_id, key, exp_name, commit)
        tags = {
            "quiltkit.stage": self.stage,
            "quiltkit.pipeline_key": key,
            "git.commit": commit,
            "dvc.experiment": exp_name,
            "mlflow.parentRunId": parent,
        }
        tags.update({f"dvc.hash.{k}": v for k, v in provenance.data_hashes(ws, self.stage).items()})
        client = mlflow.MlflowClient()
        tags.update({"quiltkit.host": socket.gethostname(), "quiltkit.pid": str(os.getpid())})
        self._end_dead_runs(client, exp.experiment_id)
        self.run = self._retry(lambda: client.create_run(exp.experiment_id, tags=tags, run_name=self.stage))
        self.run_id = self.run.info.run_id
        self._old_sigterm = None
        if threading.current_thread() is threading.main_thread():
            self._old_sigterm = signal.signal(signal.SIGTERM, _terminate_handler(os.getpid()))
        flat = scrub(flatten(self.params))
        from mlflow.entities import Param

        items = [Param(k, str(v)[:6000]) for k, v in flat.items()]
        for i in range(0, len(items), 100):
            self._retry(lambda: client.log_batch(self.run_id, params=items[i : i + 100]))  # noqa: B023 (called at once)
        return self

    def _end_dead_runs(self, client, experiment_id: str) -> None:
        """Earlier runs of this stage still RUNNING whose process, on this host, is gone."""
        host = socket.gethostname()
        stale = self._retry(
            lambda: client.search_runs(
                [experiment_id],
                f"tags.`quiltkit.stage` = '{self.stage}' and attributes.status = 'RUNNING'",
                max_results=200,
            )
        )
        for run in stale:
            t = run.data.tags
            pid = t.get("quiltkit.pid", "")
            if (
                t.get("quiltkit.host") == host
                and pid.isdigit()
                and int(pid) != os.getpid()
                and not _pid_alive(int(pid))
            ):
                log.info(
                    "mlflow: run %s of stage %s (pid %s) ended without a word: marked KILLED",
                    run.info.run_id,
                    self.stage,
                    pid,
                )
                self._retry(lambda: client.set_terminated(run.info.run_id, "KILLED"))  # noqa: B023 (called at once)

    def _parent(self, mlflow, experiment_id: str, key: str, exp_name: str, commit: str) -> str:
        client = mlflow.MlflowClient()
        found = self._retry(
            lambda: client.search_runs(
                [experiment_id],
                f"tags.`quiltkit.pipeline_key` = '{key}' and tags.`quiltkit.role` = 'pipeline'",
                max_results=1,
            )
        )
        if found:
            return found[0].info.run_id
        run = self._retry(
            lambda: client.create_run(
                experiment_id,
                tags={
                    "quiltkit.pipeline_key": key,
                    "quiltkit.role": "pipeline",
                    "git.commit": commit,
                    "dvc.experiment": exp_name,
                },
                run_name=f"pipeline-{exp_name}",
            )
        )
        client.set_terminated(run.info.run_id)
        return run.info.run_id

    @staticmethod
    def _retry(fn, attempts: int = 8):
        # SQLite serialises writers; with `dvc queue start -j 2` two stages can collide. Back off.
        for i in range(attempts):
            try:
                return fn()
            except Exception as exc:  # mlflow wraps sqlite errors in several types
                if "locked" not in str(exc).lower() or i == attempts - 1:
                    raise
                time.sleep(0.2 * 2**i)

    def log_metrics(self, metrics: dict, step: int | None = None) -> None:
        if not self.run_id:
            return
        import mlflow
        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        items = [
            Metric(k, float(v), now, step or 0)
            for k, v in flatten(metrics).items()
            if isinstance(v, (int, float)) and not isinstance(v, bool)
        ]
        for i in range(0, len(items), 500):
            self._retry(lambda: mlflow.MlflowClient().log_batch(self.run_id, metrics=items[i : i + 500]))  # noqa: B023 (called at once)

    def log_dataset(self, digest: str, path: str, profile: dict, context: str, name: str = "quiltkit-dataset") -> None:
        """Log the dataset version `digest` (its DVC hash) as this run's input, in `context`
        (produced | training | evaluation), with its source (path at this commit) and profile."""
        if not self.run_id or not digest:
            return
        import mlflow
        from mlflow.entities import DatasetInput, InputTag

        from quiltkit.tracking.datasets import DvcDataset, DvcSource

        ds = DvcDataset(
            name, digest, DvcSource(path, provenance.git_commit(workspace_root()), str(workspace_root())), profile
        )
        inp = DatasetInput(ds._to_mlflow_entity(), tags=[InputTag("mlflow.data.context", context)])
        self._retry(lambda: mlflow.MlflowClient().log_inputs(self.run_id, datasets=[inp]))

    def log_artifact(self, path: Path | str) -> None:
        if self.run_id:
            import mlflow

            self._retry(lambda: mlflow.MlflowClient().log_artifact(self.run_id, str(path)))

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.run_id:
            import mlflow

            if self._old_sigterm is not None:
                signal.signal(signal.SIGTERM, self._old_sigterm)
            if exc_type is None:
                status = "FINISHED"
            elif issubclass(exc_type, (KeyboardInterrupt, StageTerminated)):
                status = "KILLED"
            else:
                status = "FAILED"
            self._retry(lambda: mlflow.MlflowClient().set_terminated(self.run_id, status))
