"""Benchmarks that ship as class folders with fixed folder names and no official split.

    renalcell   <root>/{blood,cancer,normal,other,stroma}/*.png
                RCC tissue tiles of Brummer et al. 2022 (Zenodo, "renal cell carcinoma tissue classes")
    skincancer  <root>/tiles/<16 folders, e.g. nontumor_skin_dermis_dermis, tumor_skin_epithelial_bcc>/*.jpg
                Kriegsmann et al. 2022 skin tiles (heiDATA)
    skintumor   the four tumour folders of the same tiles (SCC, melanoma in situ, BCC, naevus)
    databiox    <root>/BreastCancer_IDC_Grade_{1,2,3}/**/<images>  (Bolhasani et al. 2020, Mendeley)
                the release nests magnifications; only images whose path mentions 20x are used
                when any does (the paper's setting), otherwise all of them
Each gets the fixed file-name hash split (see folders.hash_split). Folder order = label order of
data/classnames/<name>.json.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from quiltkit.evaluation.adapters.base import IMAGE_SUFFIXES, ClassificationData, DatasetMissingError
from quiltkit.evaluation.adapters.folders import FOLDER_SETS, FOLDER_SETS_FILE, folder_names, split_by_hash
from quiltkit.evaluation.classnames import load_classnames

# The folder tables are data: data/folder_sets.yaml, which folders.py reads.
SKIN_FOLDERS: list[str] = folder_names("skin_folders", FOLDER_SETS["skin_folders"])


@dataclass(frozen=True)
class FolderSpec:
    subdir: str
    folders: tuple[str, ...]
    how: str
    prefer: str | None = None  # keep only paths containing this text, when any do


def _spec(name: str, d) -> FolderSpec:
    if not isinstance(d, dict) or not isinstance(d.get("subdir"), str) or not isinstance(d.get("how"), str):
        raise ValueError(f"{FOLDER_SETS_FILE}: specs.{name} needs subdir, folders and how")
    unknown = set(d) - {"subdir", "folders", "how", "prefer"}
    if unknown:
        raise ValueError(f"{FOLDER_SETS_FILE}: specs.{name}: unknown keys {sorted(unknown)}")
    return FolderSpec(
        d["subdir"], tuple(folder_names(f"specs.{name}.folders", d.get("folders"))), d["how"], d.get("prefer")
    )


SPECS: dict[str, FolderSpec] = {name: _spec(name, d) for name, d in FOLDER_SETS["specs"].items()}


def load_named_folders(name: str, root: Path | str) -> ClassificationData:
    spec = SPECS[name]
    base = Path(root) / spec.subdir if spec.subdir else Path(root)
    if not base.is_dir():
        raise DatasetMissingError(name, base, "folder not found", spec.how)
    missing = [f for f in spec.folders if not (base / f).is_dir()]
    if missing:
        raise DatasetMissingError(name, base, f"class folders {missing} missing", spec.how)
    paths, labels = [], []
    for i, folder in enumerate(spec.folders):
        files = sorted(p for p in (base / folder).rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
        if spec.prefer:
            preferred = [p for p in files if spec.prefer in str(p.relative_to(base))]
            files = preferred or files
        if not files:
            raise DatasetMissingError(name, base / folder, "no images in class folder", spec.how)
        paths += files
        labels += [i] * len(files)
    return split_by_hash(name, base, paths, labels, load_classnames(name), spec.how)
