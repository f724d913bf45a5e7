"""Each adapter on a tiny fixture laid out like the real download, plus its missing-data errors."""

from __future__ import annotations

import csv
import io
import json
import tarfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from quiltkit.evaluation.adapters import (
    DatasetFormatError,
    DatasetMissingError,
    load_classification,
    load_retrieval,
)
from quiltkit.evaluation.adapters.base import md5sum, verify_md5
from quiltkit.evaluation.adapters.folders import NCT_CLASSES

RNG = np.random.default_rng(0)


def _img(path: Path, size=(24, 24), fmt=None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(RNG.integers(0, 255, (*size, 3), dtype=np.uint8)).save(path, format=fmt)


# ------------------------------------------------------------------ demo


def test_demo_adapters(demo_eval, monkeypatch):
    monkeypatch.chdir(demo_eval)
    d = load_classification("demo_patches")
    assert d.classnames[0] == "adipose tissue" and set(d.splits) == {"train", "val", "test"}
    assert len(d.splits["test"].labels) == 12 and d.val_split == "val"
    assert d.splits["test"].images.load(0).mode == "RGB"
    r = load_retrieval("demo_retrieval")
    assert len(r.image_ids) == 6 and len(r.captions) == 12 and r.caption_image.tolist()[:4] == [0, 0, 1, 1]


def test_demo_errors_name_the_row(demo_eval, monkeypatch, tmp_path):
    monkeypatch.chdir(demo_eval)
    csv_path = demo_eval / "data/demo/eval/patches.csv"
    lines = csv_path.read_text().splitlines()
    lines[3] = lines[3].replace("lymphoid tissue", "unicorn").replace("adipose tissue", "unicorn")
    csv_path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DatasetFormatError, match=r"patches.csv line 4: label 'unicorn' is neither"):
        load_classification("demo_patches")
    # Integer labels (index into classnames.json) are read as that class.
    lines[3] = lines[3].replace("unicorn", "2")
    csv_path.write_text("\n".join(lines) + "\n")
    assert load_classification("demo_patches").splits["train"].labels[2] == 2
    lines[3] = lines[3].replace(",2,", ",7,")
    csv_path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DatasetFormatError, match="'7' is neither"):
        load_classification("demo_patches")
    monkeypatch.chdir(tmp_path / "data")
    with pytest.raises(DatasetMissingError, match="run the demo stage"):
        load_classification("demo_patches")


# ------------------------------------------------------------------ PCam


def _pcam(root: Path, n=6, splits=("test",)):
    import h5py

    root.mkdir(parents=True, exist_ok=True)
    for s in splits:
        with h5py.File(root / f"camelyonpatch_level_2_split_{s}_x.h5", "w") as f:
            f["x"] = RNG.integers(0, 255, (n, 96, 96, 3), dtype=np.uint8)
        with h5py.File(root / f"camelyonpatch_level_2_split_{s}_y.h5", "w") as f:
            f["y"] = (np.arange(n) % 2).astype(np.uint8).reshape(n, 1, 1, 1)


def test_pcam(tmp_path):
    root = tmp_path / "pcam"
    _pcam(root, splits=("train", "valid", "test"))
    d = load_classification("pcam", {"pcam": str(root)})
    assert d.classnames == ["lymph node", "lymph node containing metastatic tumor tissue"]
    assert set(d.splits) == {"train", "val", "test"} and d.val_split == "val"
    assert d.splits["test"].labels.tolist() == [0, 1, 0, 1, 0, 1]
    assert d.splits["test"].images.load(5).size == (96, 96)


def test_pcam_missing_and_checksum(tmp_path):
    root = tmp_path / "pcam"
    with pytest.raises(DatasetMissingError, match="basveeling/pcam"):
        load_classification("pcam", {"pcam": str(root)})
    _pcam(root)
    (root / "camelyonpatch_level_2_split_test_y.h5").unlink()
    with pytest.raises(DatasetMissingError, match="split_test_y.h5 not found"):
        load_classification("pcam", {"pcam": str(root)})
    _pcam(root)
    # A truncated archive left beside the extracted files fails verification.
    (root / "camelyonpatch_level_2_split_test_x.h5.gz").write_bytes(b"truncated")
    with pytest.raises(DatasetFormatError, match="md5"):
        load_classification("pcam", {"pcam": str(root)}, verify=True)
    assert load_classification("pcam", {"pcam": str(root)}).name == "pcam"  # verification is opt-in


def test_md5_helpers(tmp_path):
    p = tmp_path / "f"
    p.write_bytes(b"abc")
    assert md5sum(p) == "900150983cd24fb0d6963f7d28e17f72"
    verify_md5("x", p, "900150983cd24fb0d6963f7d28e17f72")


# ------------------------------------------------------------------ NCT-CRC, LC25000


def test_nct_crc(tmp_path):
    root = tmp_path / "nct"
    for sub, n in (("CRC-VAL-HE-7K", 2), ("NCT-CRC-HE-100K", 3)):
        for c in NCT_CLASSES:
            for i in range(n):
                _img(root / sub / c / f"{c}-{i}.tif", fmt="TIFF")
    d = load_classification("nct_crc", {"nct_crc": str(root)})
    assert len(d.classnames) == 9 and d.classnames[0] == "adipose tissue"
    assert np.bincount(d.splits["test"].labels).tolist() == [2] * 9
    assert len(d.splits["train"].labels) == 27
    # 18 test images is not the published 7,180: a warning normally, an error when verifying.
    with pytest.raises(DatasetFormatError, match="CRC-VAL-HE-7K has 18 images, the published release has 7180"):
        load_classification("nct_crc", {"nct_crc": str(root)}, verify=True)
    import shutil

    shutil.rmtree(root / "CRC-VAL-HE-7K" / "TUM")
    with pytest.raises(DatasetMissingError, match=r"\['TUM'\] missing.*\n.*zenodo"):
        load_classification("nct_crc", {"nct_crc": str(root)})


def test_lc25000_split_is_deterministic(tmp_path):
    root = tmp_path / "lc"
    for c in ("lung_aca", "lung_n", "lung_scc"):
        for i in range(15):
            _img(root / "lung_colon_image_set/lung_image_sets" / c / f"{c}{i}.jpeg", fmt="JPEG")
    d = load_classification("lc25000_lung", {"lc25000_lung": str(root)})
    assert d.classnames == ["lung adenocarcinoma", "benign lung tissue", "lung squamous cell carcinoma"]
    sizes = {s: len(v.labels) for s, v in d.splits.items()}
    assert sum(sizes.values()) == 45 and sizes["train"] > sizes["test"] > 0
    again = load_classification("lc25000_lung", {"lc25000_lung": str(root)})
    assert again.splits["test"].images.paths == d.splits["test"].images.paths
    with pytest.raises(DatasetMissingError, match="colon_image_sets"):
        load_classification("lc25000_colon", {"lc25000_colon": str(root)})


# ------------------------------------------------------------------ MHIST


def test_mhist(tmp_path):
    root = tmp_path / "mhist"
    rows = [("a.png", "HP", "train"), ("b.png", "SSA", "train"), ("c.png", "SSA", "test"), ("d.png", "HP", "test")]
    for name, *_ in rows:
        _img(root / "images" / name)
    with open(root / "annotations.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(
            ["Image Name", "Majority Vote Label", "Number of Annotators who Selected SSA (Out of 7)", "Partition"]
        )
        for name, lab, part in rows:
            w.writerow([name, lab, 3, part])
    d = load_classification("mhist", {"mhist": str(root)})
    assert d.splits["test"].labels.tolist() == [1, 0] and d.classnames[1] == "sessile serrated adenoma"
    (root / "images" / "d.png").unlink()
    with pytest.raises(DatasetMissingError, match="d.png"):
        load_classification("mhist", {"mhist": str(root)})


# ------------------------------------------------------------------ ARCH


def test_arch(tmp_path):
    root = tmp_path / "arch"
    books = {
        "0": {"figure_id": "1", "letter": "A", "caption": "Lymph node with metastasis.", "uuid": "u1"},
        "1": {"figure_id": "1", "letter": "B", "caption": "Lymph node with metastasis.", "uuid": "u2"},
    }
    pubmed = {"0": {"caption": "H&E of colon.", "uuid": "p1"}}
    (root / "books_set").mkdir(parents=True)
    (root / "books_set/captions.json").write_text(json.dumps(books))
    (root / "pubmed_set").mkdir()
    (root / "pubmed_set/captions.json").write_text(json.dumps(pubmed))
    for u in ("u1", "u2"):
        _img(root / "books_set/images" / f"{u}.png")
    _img(root / "pubmed_set/images/p1.jpg", fmt="JPEG")
    r = load_retrieval("arch", {"arch": str(root)})
    assert r.image_ids == ["books_set/u1", "books_set/u2", "pubmed_set/p1"]
    assert r.caption_image.tolist() == [0, 1, 2]
    (root / "pubmed_set/images/p1.jpg").unlink()
    with pytest.raises(DatasetMissingError, match="p1"):
        load_retrieval("arch", {"arch": str(root)})
    with pytest.raises(DatasetMissingError, match="warwick"):
        load_retrieval("arch", {"arch": str(tmp_path / "nowhere")})


# ------------------------------------------------------------------ CLIP_benchmark webdataset


def _tar(path: Path, members: dict[str, bytes]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))


def _png_bytes() -> bytes:
    buf = io.BytesIO()
    Image.fromarray(RNG.integers(0, 255, (16, 16, 3), dtype=np.uint8)).save(buf, format="PNG")
    return buf.getvalue()


def test_wds_classification_and_retrieval(tmp_path):
    cls = tmp_path / "wds_cls"
    (cls / "test").mkdir(parents=True)
    (cls / "classnames.txt").write_text("benign\nmalignant\n")
    (cls / "zeroshot_classification_templates.txt").write_text("a photo of {c}.\n")
    (cls / "test/nshards.txt").write_text("2")
    _tar(cls / "test/0.tar", {"s0.png": _png_bytes(), "s0.cls": b"1", "s1.png": _png_bytes(), "s1.cls": b"0"})
    _tar(cls / "test/1.tar", {"s0.png": _png_bytes(), "s0.cls": b"1"})
    d = load_classification(f"wds:{cls}")
    assert d.classnames == ["benign", "malignant"] and d.templates == ["a photo of {c}."]
    assert d.splits["test"].labels.tolist() == [1, 0, 1] and d.splits["test"].images.load(2).size == (16, 16)
    assert not d.has_probe_splits

    ret = tmp_path / "wds_ret"
    (ret / "test").mkdir(parents=True)
    (ret / "dataset_type.txt").write_text("retrieval\n")
    (ret / "test/nshards.txt").write_text("1")
    _tar(ret / "test/0.tar", {"a.png": _png_bytes(), "a.txt": b"one\ntwo\n", "b.png": _png_bytes(), "b.txt": b"three"})
    r = load_retrieval(f"wds:{ret}")
    assert r.captions == ["one", "two", "three"] and r.caption_image.tolist() == [0, 0, 1]
    with pytest.raises(DatasetFormatError, match="retrieval dataset"):
        load_classification(f"wds:{ret}")
    (cls / "test/1.tar").unlink()
    with pytest.raises(DatasetMissingError, match="1.tar of 2 missing"):
        load_classification(f"wds:{cls}")


def test_unknown_dataset():
    with pytest.raises(KeyError, match="unknown dataset 'nope'"):
        load_retrieval("nope")


# ------------------------------------------------------------------ BACH, SICAPv2, class folders


def test_bach(tmp_path):
    photos = tmp_path / "bach" / "ICIAR2018_BACH_Challenge" / "Photos"
    for c in ("Normal", "Benign", "InSitu", "Invasive"):
        for i in range(12):
            _img(photos / c / f"{c[:2].lower()}{i:03d}.tif", fmt="TIFF")
    d = load_classification("bach", {"bach": str(tmp_path / "bach")})
    assert d.classnames[3] == "invasive breast carcinoma"
    assert sum(len(s.labels) for s in d.splits.values()) == 48 and "test" in d.splits
    with pytest.raises(DatasetMissingError, match="grand-challenge"):
        load_classification("bach", {"bach": str(tmp_path / "none")})


def test_sicapv2(tmp_path):
    import pandas as pd

    root = tmp_path / "sicap"
    (root / "partition/Test").mkdir(parents=True)
    names = [f"16B00{i}_1_2.jpg" for i in range(8)]
    for n in names:
        _img(root / "images" / n, fmt="JPEG")
    onehot = np.eye(4, dtype=int)[np.arange(8) % 4]
    for part, rows in (("Train", slice(0, 4)), ("Test", slice(4, 8))):
        df = pd.DataFrame(onehot[rows], columns=["NC", "G3", "G4", "G5"])
        df.insert(0, "image_name", names[rows])
        df["G4C"] = 0
        df.to_excel(root / f"partition/Test/{part}.xlsx", index=False)
    d = load_classification("sicapv2", {"sicapv2": str(root)})
    assert d.splits["test"].labels.tolist() == [0, 1, 2, 3] and len(d.classnames) == 4
    assert d.has_probe_splits
    bad = pd.read_excel(root / "partition/Test/Test.xlsx")
    bad.loc[1, "G4"] = 1
    bad.to_excel(root / "partition/Test/Test.xlsx", index=False)
    with pytest.raises(DatasetFormatError, match="Test.xlsx row 3: NC/G3/G4/G5 is not one-hot"):
        load_classification("sicapv2", {"sicapv2": str(root)})


def test_imagefolder_with_and_without_splits(tmp_path):
    flat = tmp_path / "osteo_sorted"
    for c in ("non_tumor", "viable_tumor"):
        for i in range(10):
            _img(flat / c / "case1" / f"{c}{i}.png")
    (flat / "classnames.json").write_text(json.dumps({"non_tumor": "non-tumor bone tissue"}))
    d = load_classification(f"folder:{flat}")
    assert d.classnames == ["non-tumor bone tissue", "viable_tumor"] and d.name == "folder_osteo_sorted"
    assert sum(len(s.labels) for s in d.splits.values()) == 20

    split = tmp_path / "skin"
    for s, n in (("train", 3), ("test", 2)):
        for c in ("a", "b", "c"):
            for i in range(n):
                _img(split / s / c / f"{i}.png")
    d = load_classification(f"folder:{split}")
    assert set(d.splits) == {"train", "test"} and d.splits["test"].labels.tolist() == [0, 0, 1, 1, 2, 2]
    (flat / "classnames.json").write_text(json.dumps({"ghost": "x"}))
    with pytest.raises(DatasetFormatError, match="ghost"):
        load_classification(f"folder:{flat}")


def test_capped_split_is_stratified_and_stable(tmp_path):
    from quiltkit.evaluation.adapters.base import FileImages, LabelledSplit

    paths = []
    for i in range(30):
        paths.append(tmp_path / f"{i}.png")
        _img(paths[-1], size=(8, 8))
    split = LabelledSplit(FileImages(paths), [0] * 20 + [1] * 10)
    capped = split.capped(4)
    assert np.bincount(capped.labels).tolist() == [4, 4]
    assert [capped.images.key(i) for i in range(8)] == [split.capped(4).images.key(i) for i in range(8)]
    assert capped.images.load(0).size == (8, 8)
    assert split.capped(None) is split and split.capped(50) is split


# ------------------------------------------------------------------ RenalCell, SkinCancer/SkinTumor, Databiox


def test_named_folder_benchmarks(tmp_path):
    from quiltkit.evaluation.adapters.named_folders import SKIN_FOLDERS, SPECS
    from quiltkit.evaluation.classnames import load_classnames

    for name, spec in SPECS.items():
        assert len(load_classnames(name)) == len(spec.folders), name

    renal = tmp_path / "renal"
    for c in ("blood", "cancer", "normal", "other", "stroma"):
        for i in range(6):
            _img(renal / c / f"{c}_{i}.png")
    d = load_classification("renalcell", {"renalcell": str(renal)})
    assert d.classnames[1] == "renal cancer" and sum(len(s.labels) for s in d.splits.values()) == 30

    skin = tmp_path / "skin"
    for c in SKIN_FOLDERS:
        for i in range(4):
            _img(skin / "tiles" / c / f"{c}_{i}.jpg", fmt="JPEG")
    assert len(load_classification("skincancer", {"skincancer": str(skin)}).classnames) == 16
    t = load_classification("skintumor", {"skintumor": str(skin)})
    assert t.classnames == ["squamous-cell carcinoma", "melanoma in-situ", "basal-cell carcinoma", "naevus"]
    assert sum(len(s.labels) for s in t.splits.values()) == 16

    bio = tmp_path / "databiox"
    for g in (1, 2, 3):
        for mag in ("4x", "20x"):
            for i in range(5):
                _img(bio / f"BreastCancer_IDC_Grade_{g}" / f"patient{i}" / mag / f"{g}_{mag}_{i}.jpg", fmt="JPEG")
    d = load_classification("databiox", {"databiox": str(bio)})
    paths = [p for s in d.splits.values() for p in s.images.paths]
    assert len(paths) == 15 and all("20x" in str(p) for p in paths)
    import shutil

    shutil.rmtree(bio / "BreastCancer_IDC_Grade_3")
    with pytest.raises(DatasetMissingError, match="BreastCancer_IDC_Grade_3.*\n.*Mendeley"):
        load_classification("databiox", {"databiox": str(bio)})


def test_osteo_csv_labelled_tiles(tmp_path):
    root = tmp_path / "osteo"
    rows = []
    for case in ("Training-Set-1/Case1", "Training-Set-2/Case4"):
        for i, cls in enumerate(["Non-Tumor", "Viable-Tumor", "Non-Viable-Tumor", "viable: non-viable"] * 5):
            name = f"{case.split('/')[1]}-tile-{i}.jpg"
            _img(root / case / name, fmt="JPEG")
            rows.append({"image.name": name[:-4], "classification": cls})
    with open(root / "ML_Features_1144.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["image.name", "classification"])
        w.writeheader()
        w.writerows(rows)
    d = load_classification("osteo", {"osteo": str(root)})
    assert d.classnames == ["non-tumor tissue", "viable osteosarcoma", "necrotic osteosarcoma"]
    total = sum(len(s.labels) for s in d.splits.values())
    assert total == 30  # the 10 mixed tiles are left out
    assert sorted(set(np.concatenate([s.labels for s in d.splits.values()]).tolist())) == [0, 1, 2]
    (root / "Training-Set-2" / "Case4" / "Case4-tile-0.jpg").unlink()
    with pytest.raises(DatasetMissingError, match="labelled tiles not found.*Case4-tile-0.jpg"):
        load_classification("osteo", {"osteo": str(root)})
    with pytest.raises(DatasetMissingError, match="To get it: download 'Osteosarcoma"):
        load_classification("osteo", {"osteo": str(tmp_path / "absent")})


@pytest.mark.parametrize(
    "kind", ["truncated", "gzip_truncated", "gzip_header_flipped", "xz_flipped", "bz2_flipped", "not_a_tar"]
)
def test_wds_damaged_shard_is_named(tmp_path, kind):
    """A damaged shard is a DatasetFormatError naming it (which the evaluate stage reports for that
    dataset alone), not a tarfile, zlib or lzma error from inside the reader. A plain tar cut inside
    an image is not a read error (the reader only records where images are): the samples the cut
    leaves without their label are named instead."""
    from tests.damaged_tars import damaged_tars

    root = tmp_path / "wds_cls"
    (root / "test").mkdir(parents=True)
    (root / "classnames.txt").write_text("benign\nmalignant\n")
    (root / "test/nshards.txt").write_text("1")
    members = {f"s{i}.png": _png_bytes() for i in range(6)} | {f"s{i}.cls": b"1" for i in range(6)}
    (root / "test/0.tar").write_bytes(damaged_tars(members)[kind])
    named = r"wds_cls/test: sample 0/s\d lacks" if kind == "truncated" else r"test/0\.tar: not a readable tar"
    with pytest.raises(DatasetFormatError, match=named):
        load_classification(f"wds:{root}")
