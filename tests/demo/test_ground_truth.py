"""The ground truth is internally consistent and covers every feature the issue asks for."""

import csv
import json

import numpy as np

from quiltkit.contracts import GroundTruth
from quiltkit.demo import narration
from quiltkit.demo.tissue_classes import CLASS_INFO


def test_layout_matches_architecture(corpus):
    root, out, metrics = corpus
    for rel in [
        "video_list.csv",
        "manifest.json",
        "eval/classnames.json",
        "eval/patches.csv",
        "eval/retrieval.csv",
        "external/pairs.csv",
        "classifier_frames/labels.csv",
    ]:
        assert (out / rel).is_file(), rel
    assert (out / "videos/demo_000.mp4").is_file() and (out / "ground_truth/demo_000.json").is_file()
    headers = {
        "video_list.csv": ["video_id", "url", "title", "channel", "duration"],
        "eval/patches.csv": ["filepath", "label", "split"],
        "eval/retrieval.csv": ["image_id", "filepath", "caption"],
        "external/pairs.csv": ["filepath", "title"],
        "classifier_frames/labels.csv": ["filepath", "label"],
    }
    for rel, cols in headers.items():
        with open(out / rel, newline="") as fh:
            rows = list(csv.DictReader(fh))
        assert rows and list(rows[0])[: len(cols)] == cols, rel
        for r in rows:  # every path is relative to the repository root and exists
            p = r.get("filepath") or r.get("url")
            assert not p.startswith("/") and (root / p).is_file(), p
    assert not list(out.parent.glob(".demo.*")), "temp dirs left behind"
    assert metrics["videos"] == 1 and metrics["expected_pairs"] >= 3


def test_shots_cover_the_video_and_have_every_feature(corpus):
    _, out, _ = corpus
    gt = GroundTruth.read(out / "ground_truth/demo_000.json")
    assert gt.shots[0].kind == "title" and gt.shots[0].start == 0 and gt.shots[-1].end == gt.duration
    for a, b in zip(gt.shots, gt.shots[1:]):
        assert a.end == b.start
        assert abs(b.start * gt.fps - round(b.start * gt.fps)) < 1e-4  # on the frame grid
    kinds = {s.kind for s in gt.shots}
    assert {"title", "slide", "presenter", "histology"} <= kinds
    hist = [s for s in gt.shots if s.kind == "histology"]
    assert all(s.magnification in ("low", "medium", "high") for s in hist)
    assert all(s.tissue_class in CLASS_INFO for s in hist if s.source == "procedural")
    assert any(s.pointer for s in hist) and any(s.motion != "static" for s in hist)
    assert any(s.transition_in == "crossfade" for s in gt.shots)
    keys = [s.image_key for s in hist]
    assert len(keys) > len(set(keys)), "one histology shot is repeated later"


def test_sentences_sit_inside_their_shots_and_pairs_match(corpus):
    _, out, _ = corpus
    gt = GroundTruth.read(out / "ground_truth/demo_000.json")
    for s in gt.sentences:
        shot = gt.shots[s.shot_index]
        assert shot.start < s.start < s.end < shot.end
        assert set(s.negated_terms).isdisjoint(s.terms)
    for p in gt.expected_pairs:
        shot = gt.shots[p.shot_index]
        assert shot.kind == "histology" and p.image_key == shot.image_key
        assert p.sentence_indices == [s.index for s in gt.sentences if s.shot_index == p.shot_index]
    assert all(p.sentence_indices for p in gt.expected_pairs)
    neg = [s for s in gt.sentences if s.negated_terms]
    assert neg and all(gt.shots[s.shot_index].kind == "histology" for s in neg)
    assert "roi" in {s.role for s in gt.sentences}


def test_narration_varies_and_records_roles_and_negations():
    rng = np.random.default_rng(0)
    texts, roles, negs = set(), set(), 0
    for i in range(300):
        cls = list(CLASS_INFO)[i % len(CLASS_INFO)]
        for ln in narration.histology_lines(rng, cls, "medium", i % 2 == 0, i % 7 == 0, 4):
            texts.add(ln.text)
            roles.add(ln.role)
            for t in ln.negated_terms:
                negs += 1
                assert t in ln.text.lower() and t not in ln.terms
    assert {"roi", "medical", "other"} <= roles
    assert negs > 20 and len(texts) > 300


def test_manifest_records_duplicates_and_they_are_real(corpus):
    root, out, _ = corpus
    man = json.loads((out / "manifest.json").read_text())
    assert man["seed"] == 7 and set(man["classes"]) == set(json.loads((out / "eval/classnames.json").read_text()))
    exact, near = man["external_duplicates"]["exact"], man["external_duplicates"]["near"]
    assert exact and near
    for a, b in exact:
        assert (root / a).read_bytes() == (root / b).read_bytes()
    import cv2
    from PIL import Image

    def phash(p):
        g = np.asarray(Image.open(p).convert("L").resize((32, 32), Image.LANCZOS), np.float32)
        d = cv2.dct(g)[:8, :8]
        return (d > np.median(d)).reshape(-1)

    for a, b in near:
        assert (root / a).read_bytes() != (root / b).read_bytes()
        assert int((phash(root / a) != phash(root / b)).sum()) <= 6


def test_eval_sets_are_labelled_and_split(corpus, tiny_params):
    _, out, _ = corpus
    with open(out / "eval/patches.csv") as fh:
        rows = list(csv.DictReader(fh))
    n_cls = len(tiny_params.tissue_classes)
    assert len(rows) == n_cls * tiny_params.eval_patches_per_class
    for split in ("train", "val", "test"):
        assert {int(r["label"]) for r in rows if r["split"] == split} == set(range(n_cls))
    with open(out / "eval/retrieval.csv") as fh:
        ret = list(csv.DictReader(fh))
    per_image = {}
    for r in ret:
        per_image.setdefault(r["image_id"], []).append(r["caption"])
    assert len(per_image) == tiny_params.retrieval_pairs and all(len(set(c)) >= 2 for c in per_image.values())
    with open(out / "classifier_frames/labels.csv") as fh:
        labels = [r["label"] for r in csv.DictReader(fh)]
    assert labels.count("histology") == labels.count("other") == tiny_params.classifier_frames_per_class


def test_full_length_plan_has_package_shot_repeat_and_silence():
    from quiltkit.demo.plan import package_images, plan_shots

    classes = list(CLASS_INFO)
    seen_pkgs = set()
    for vi in range(8):
        shots = plan_shots(np.random.default_rng([1337, vi, 1]), classes, 75.0, vi, split="train")
        hist = [s for s in shots if s.kind == "histology"]
        pkg = [s for s in hist if s.package]
        assert len(pkg) == 1 and pkg[0].tissue_class is None and pkg[0].label.endswith("package sample")
        seen_pkgs.add(pkg[0].package)
        assert len({s.tissue_class for s in hist if not s.package}) >= 3
        assert sum(s.silent for s in shots) == 1
        rep = [s for s in hist if s.repeat_of is not None]
        assert len(rep) == 1 and rep[0].image_key == shots[rep[0].repeat_of].image_key
        assert shots.index(rep[0]) > rep[0].repeat_of + 2  # "later", not the next shot
    # the demo shows the training split's package images, and none of the held-out corpus's
    assert seen_pkgs == {p.name for p in package_images("train")}
    assert not seen_pkgs & {p.name for p in package_images("holdout")}


def test_bad_inputs_fail_with_clear_errors(tmp_path, tiny_params):
    import pytest

    from quiltkit.config import DemoParams
    from quiltkit.demo.corpus import build_corpus

    with pytest.raises(FileNotFoundError, match="package_images"):
        build_corpus(tiny_params, seed=1, out=tmp_path / "demo", root=tmp_path, raw_root=tmp_path)
    assert not (tmp_path / "demo").exists()
    with pytest.raises(ValueError, match="even"):
        DemoParams(width=321)
    with pytest.raises(ValueError, match="unknown tissue class"):
        DemoParams(tissue_classes=["liver", "adipose tissue"])
