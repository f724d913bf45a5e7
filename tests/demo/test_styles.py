"""styles.yaml is the one place that splits the renderer's styles between the demo (and the
classifier's frames) and the held-out corpus: the split is checked, and the plans of both corpora
use their own split's styles only, every one of them."""

import numpy as np
import pytest
import yaml

from quiltkit.config import DemoParams, HoldoutParams
from quiltkit.demo import plan, styles


def test_every_style_is_valid_and_each_split_paints_every_role():
    all_ = styles.all_styles()
    assert len(all_) >= 30
    for split in ("train", "holdout"):
        for role in styles.ROLES:
            assert styles.styles(split, role=role), (split, role)
        for label in ("histology", "other"):
            assert styles.styles(split, label=label)
    # each group the leave-one-style-out table holds out has a style in training
    assert {s.group for s in styles.styles("train")} == set(styles.groups())


def test_a_source_picture_belongs_to_one_split():
    owner = {}
    for st in styles.all_styles().values():
        for src in st.sources:
            assert owner.setdefault(src, st.split) == st.split, src
    assert any(st.sources for st in styles.styles("holdout"))


def test_a_source_shared_across_splits_is_refused(tmp_path, monkeypatch):
    doc = yaml.safe_load(styles.STYLES_FILE.read_text())
    doc["styles"]["slide_plain"]["sources"] = ["skimage:coffee.png"]  # a train b-roll photo
    bad = tmp_path / "styles.yaml"
    bad.write_text(yaml.safe_dump(doc))
    monkeypatch.setattr(styles, "STYLES_FILE", bad)
    styles.all_styles.cache_clear()
    try:
        with pytest.raises(ValueError, match="coffee.png.*train and holdout"):
            styles.all_styles()
    finally:
        monkeypatch.undo()
        styles.all_styles.cache_clear()


def test_unknown_style_and_foreign_source_are_clear_errors():
    with pytest.raises(ValueError, match="unknown style 'nope'"):
        styles.style("nope")
    with pytest.raises(ValueError, match="has no source"):
        styles.paint(
            "he_package",
            64,
            36,
            np.random.default_rng(0),
            styles.PaintContext(),
            sources=("package:tiatoolbox_target_image.png",),
        )


@pytest.mark.parametrize("split", ["train", "holdout"])
def test_plans_use_their_split_only_and_cover_it(split):
    """Four lectures of a corpus show every style of its split that a lecture has a role for,
    and never one of the other split: the styles come in turn, not at random."""
    demo = DemoParams() if split == "train" else HoldoutParams().corpus_params(DemoParams())
    seen = set()
    for i in range(6 if split == "train" else 4):
        rng = np.random.default_rng([7, i, 1])
        shots = plan.plan_shots(
            rng,
            list(demo.tissue_classes),
            demo.video_seconds,
            i,
            split=split,
            extra_shots=demo.extra_shots,
            style_rng=np.random.default_rng([7, i, 3]),
        )
        for s in shots:
            st = styles.style(s.style)
            assert st.split == split, (s.kind, s.style)
            assert st.is_histology == (s.kind == "histology"), (s.kind, s.style)
            if s.package:
                assert f"package:{s.package}" in st.sources
            seen.add(s.style)
        assert sum(s.label == "extra" for s in shots) == demo.extra_shots
    assert seen == {st.name for st in styles.styles(split)}


def test_holdout_params_keep_frame_size_and_classes_and_differ_in_the_rest():
    demo = DemoParams()
    h = HoldoutParams().corpus_params(demo)
    assert (h.width, h.height, h.fps, h.tissue_classes) == (demo.width, demo.height, demo.fps, demo.tissue_classes)
    assert h.style_split == "holdout" and h.crf > demo.crf
    assert not set(h.voices) & set(demo.voices)
