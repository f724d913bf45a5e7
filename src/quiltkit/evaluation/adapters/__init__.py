"""Dataset adapters by name.

A name in evaluate.zeroshot_datasets / retrieval_datasets is a registered benchmark (read from
evaluate.dataset_roots[name], default data/benchmarks/<name>), "wds:<folder>" for a
CLIP_benchmark-style webdataset folder, or "folder:<path>" for class folders (classification).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable

from quiltkit.evaluation.adapters.arch import load_arch
from quiltkit.evaluation.adapters.bach import load_bach
from quiltkit.evaluation.adapters.base import (
    ClassificationData,
    DatasetFormatError,
    DatasetMissingError,
    RetrievalData,
)
from quiltkit.evaluation.adapters.demo import load_demo_patches, load_demo_retrieval
from quiltkit.evaluation.adapters.folders import load_lc25000, load_nct_crc
from quiltkit.evaluation.adapters.imagefolder import load_imagefolder
from quiltkit.evaluation.adapters.mhist import load_mhist
from quiltkit.evaluation.adapters.named_folders import SPECS as FOLDER_SPECS
from quiltkit.evaluation.adapters.named_folders import load_named_folders
from quiltkit.evaluation.adapters.osteo import load_osteo
from quiltkit.evaluation.adapters.pcam import load_pcam
from quiltkit.evaluation.adapters.sicap import load_sicap
from quiltkit.evaluation.adapters.wds import load_wds

BENCHMARK_ROOT = Path("data/benchmarks")


@dataclass(frozen=True)
class Adapter:
    """One benchmark: how to load it from its root folder, and whether the loader knows the
    dataset's published checksums or sizes (then evaluate.verify_checksums reaches it)."""

    load: Callable[..., ClassificationData | RetrievalData]
    verifiable: bool = False

    def __call__(self, root: Path, verify: bool = False) -> ClassificationData | RetrievalData:
        return self.load(root, verify=verify) if self.verifiable else self.load(root)


CLASSIFICATION: dict[str, Adapter] = {
    "demo_patches": Adapter(load_demo_patches),
    "pcam": Adapter(load_pcam, verifiable=True),
    "nct_crc": Adapter(load_nct_crc, verifiable=True),
    "lc25000_lung": Adapter(partial(load_lc25000, which="lc25000_lung"), verifiable=True),
    "lc25000_colon": Adapter(partial(load_lc25000, which="lc25000_colon"), verifiable=True),
    "mhist": Adapter(load_mhist, verifiable=True),
    "sicapv2": Adapter(load_sicap),
    "bach": Adapter(load_bach),
    "osteo": Adapter(load_osteo),
    **{n: Adapter(partial(load_named_folders, n)) for n in FOLDER_SPECS},
}
RETRIEVAL: dict[str, Adapter] = {
    "demo_retrieval": Adapter(load_demo_retrieval),
    "arch": Adapter(load_arch),
}
DEFAULT_ROOTS = {"demo_patches": Path("data/demo/eval"), "demo_retrieval": Path("data/demo/eval")}
# Benchmarks the paper uses without a dedicated adapter; they run through "folder:<path>"
# after sorting tiles into class folders.
NOT_YET: tuple[str, ...] = ()


def _root(name: str, roots: dict[str, str] | None) -> Path:
    if roots and name in roots:
        return Path(roots[name])
    return DEFAULT_ROOTS.get(name, BENCHMARK_ROOT / name)


def _unknown(name: str, known) -> KeyError:
    extra = (
        (
            " (in the paper, but no dedicated adapter: sort it into class folders and use "
            "folder:<path>, see quiltkit/evaluation/adapters/imagefolder.py)"
        )
        if name in NOT_YET
        else ""
    )
    return KeyError(f"unknown dataset {name!r}{extra}; known: {sorted(known)}, wds:<folder> or folder:<path>")


def load_classification(name: str, roots: dict[str, str] | None = None, verify: bool = False) -> ClassificationData:
    if name.startswith("wds:"):
        data = load_wds(name[4:])
        if not isinstance(data, ClassificationData):
            raise DatasetFormatError(f"{name} is a retrieval dataset (dataset_type.txt), listed for classification")
        return data
    if name.startswith("folder:"):
        return load_imagefolder(name[7:])
    if name not in CLASSIFICATION:
        raise _unknown(name, CLASSIFICATION)
    return CLASSIFICATION[name](_root(name, roots), verify)


def dataset_path(name: str, roots: dict[str, str] | None = None) -> Path:
    """The folder a dataset name reads from, without reading it (params_check's question)."""
    for prefix in ("wds:", "folder:"):
        if name.startswith(prefix):
            return Path(name[len(prefix) :])
    if name not in CLASSIFICATION and name not in RETRIEVAL:
        raise _unknown(name, {**CLASSIFICATION, **RETRIEVAL})
    return _root(name, roots)


def load_retrieval(name: str, roots: dict[str, str] | None = None) -> RetrievalData:
    if name.startswith("wds:"):
        data = load_wds(name[4:])
        if not isinstance(data, RetrievalData):
            raise DatasetFormatError(f"{name} is a classification dataset, listed for retrieval")
        return data
    if name not in RETRIEVAL:
        raise _unknown(name, RETRIEVAL)
    return RETRIEVAL[name](_root(name, roots))


__all__ = [
    "dataset_path",
    "ClassificationData",
    "RetrievalData",
    "DatasetMissingError",
    "DatasetFormatError",
    "load_classification",
    "load_retrieval",
    "CLASSIFICATION",
    "RETRIEVAL",
    "NOT_YET",
]
