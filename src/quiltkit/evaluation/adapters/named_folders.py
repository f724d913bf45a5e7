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
from quiltkit.evaluation.adapters.folders import split_by_hash
from quiltkit.evaluation.classnames import load_classnames

SKIN_FOLDERS = [
    "nontumor_skin_necrosis_necrosis",
    "nontumor_skin_muscle_skeletal",
    "nontumor_skin_sweatglands_sweatglands",
    "nontumor_skin_vessel_vessel",
    "nontumor_skin_elastosis_elastosis",
    "nontumor_skin_chondraltissue_chondraltissue",
    "nontumor_skin_hairfollicle_hairfollicle",
    "nontumor_skin_epidermis_epidermis",
    "nontumor_skin_nerves_nerves",
    "nontumor_skin_subcutis_subcutis",
    "nontumor_skin_dermis_dermis",
    "nontumor_skin_sebaceousglands_sebaceousglands",
    "tumor_skin_epithelial_sqcc",
    "tumor_skin_melanoma_melanoma",
    "tumor_skin_epithelial_bcc",
    "tumor_skin_naevus_naevus",
]


@dataclass(frozen=True)
class FolderSpec:
    subdir: str
    folders: tuple[str, ...]
    how: str
    prefer: str | None = None  # keep only paths containing this text, when any do


SPECS = {
    "renalcell": FolderSpec(
        "",
        ("blood", "cancer", "normal", "other", "stroma"),
        "download the RCC tissue-class tiles (Brummer et al. 2022, Zenodo) "
        "and unzip so the five class folders sit here",
    ),
    "skincancer": FolderSpec(
        "tiles",
        tuple(SKIN_FOLDERS),
        "download the skin tiles of Kriegsmann et al. 2022 from heiDATA and unzip so tiles/<class>/ sits here",
    ),
    "skintumor": FolderSpec(
        "tiles", tuple(SKIN_FOLDERS[12:]), "same download as skincancer (the four tumor_skin_* folders are used)"
    ),
    "databiox": FolderSpec(
        "",
        ("BreastCancer_IDC_Grade_1", "BreastCancer_IDC_Grade_2", "BreastCancer_IDC_Grade_3"),
        "download Databiox from Mendeley Data (Bolhasani et al. 2020) and unzip so the three grade folders sit here",
        prefer="20x",
    ),
}


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
