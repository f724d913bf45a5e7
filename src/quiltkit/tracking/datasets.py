"""The dataset as MLflow sees it: one digest, the DVC hash, across the runs that make and use it.

Tags (dataset.version, dvc.hash.*) say which dataset a run saw, but MLflow's UI and its search
know datasets only as run inputs. So the dataset stage logs outputs/dataset as an MLflow dataset
whose digest is the folder's DVC hash (the md5 dvc.lock records for it), whose source is the
path at the git revision that made it, and whose profile is its size per source and split; the
train and evaluate runs log the same digest as their input. Then

    runs_of_dataset(client, digest)        every run that made or used that version
    run.inputs.dataset_inputs              the dataset of a run

work from the MLflow client and show in the UI's Datasets column.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from mlflow.data.dataset import Dataset
from mlflow.data.dataset_source import DatasetSource

SOURCE_TYPE = "dvc"
_DIGEST = re.compile(r"[0-9a-f]{32}(\.dir)?")


def dvc_dir_hash(path: Path | str, root: Path | str = ".") -> str:
    """DVC's md5 of a file or folder ("<md5>.dir" for a folder), computed as `dvc commit` would
    (its .dvcignore honoured) without writing to the cache: what dvc.lock will record for it once
    the running stage ends."""
    from dvc.fs import LocalFileSystem
    from dvc.repo import Repo
    from dvc_data.hashfile.build import build

    with Repo(str(root)) as repo:
        _, _, obj = build(
            repo.cache.local, str(Path(path).resolve()), LocalFileSystem(), "md5", ignore=repo.dvcignore, dry_run=True
        )
    return obj.hash_info.value


class DvcSource(DatasetSource):
    """A DVC-tracked path at a git revision: `git checkout <rev> && dvc checkout <path>` gets it."""

    def __init__(self, path: str, rev: str, repo: str = ""):
        self.path, self.rev, self.repo = path, rev, repo

    @staticmethod
    def _get_source_type() -> str:
        return SOURCE_TYPE

    def load(self, **kwargs):  # the data is DVC's to restore, not MLflow's
        raise NotImplementedError(f"restore it with: git checkout {self.rev} && dvc checkout {self.path}")

    @staticmethod
    def _can_resolve(raw_source: Any) -> bool:
        return False

    @classmethod
    def _resolve(cls, raw_source: Any) -> "DvcSource":
        raise NotImplementedError

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "rev": self.rev, "repo": self.repo}

    @classmethod
    def from_dict(cls, source_dict: dict) -> "DvcSource":
        return cls(source_dict.get("path", ""), source_dict.get("rev", ""), source_dict.get("repo", ""))


class DvcDataset(Dataset):
    def __init__(self, name: str, digest: str, source: DvcSource, profile: dict):
        self._profile = profile
        super().__init__(source=source, name=name, digest=digest)

    def _compute_digest(self) -> str:  # the digest is always given: DVC's hash
        raise NotImplementedError

    @property
    def profile(self) -> dict:
        return self._profile

    def to_dict(self) -> dict[str, str]:
        return {**super().to_dict(), "profile": json.dumps(self._profile, sort_keys=True)}


def dataset_profile(metrics: dict) -> dict:
    """What the MLflow profile says of a dataset: its size, per source and split (from the
    dataset stage's metrics)."""
    per = metrics.get("rows_per_source_split") or {}
    return {
        "rows": metrics.get("rows"),
        "images": metrics.get("images"),
        "rows_per_source": {s: sum(v.values()) for s, v in per.items()},
        "rows_per_source_split": per,
        "images_per_split": metrics.get("images_per_split"),
    }


def runs_of_dataset(client, digest: str, experiment_ids: list[str] | None = None) -> list:
    """Every run, in any experiment (or those given), with this dataset digest among its inputs."""
    if not _DIGEST.fullmatch(digest):
        raise ValueError(f"{digest!r} is not a DVC md5 (32 hex digits, optionally .dir)")
    ids = experiment_ids or [e.experiment_id for e in client.search_experiments()]
    return client.search_runs(ids, filter_string=f"dataset.digest = '{digest}'")


def trained_on(export_dir: Path | str) -> str:
    """The dataset version a model export was trained on (its info.json), or "" if unrecorded."""
    info = Path(export_dir) / "info.json"
    if not info.is_file():
        return ""
    return str(json.loads(info.read_text(encoding="utf-8")).get("dataset_version") or "")
