from __future__ import annotations

import pytest

from quiltkit.evaluation.classnames import CLASSNAMES, load_classnames
from quiltkit.evaluation.models import load_model, parse_spec


def test_parse_spec():
    assert parse_spec("trained") == ("trained", "trained")
    assert parse_spec("ViT-B-32:/ckpt/plip.pt") == ("ViT-B-32", "ViT-B-32:/ckpt/plip.pt")
    assert parse_spec("plip=ViT-B-32:/ckpt/plip.pt") == ("plip", "ViT-B-32:/ckpt/plip.pt")
    assert parse_spec("../evil=untrained")[0] == "evil"  # labels become directory names
    with pytest.raises(ValueError, match="names no model"):
        parse_spec("x=")


def test_load_model_errors(tmp_path, tiny_config):
    with pytest.raises(FileNotFoundError, match="run the train stage first"):
        load_model("trained", "qk-eval-tiny", 0, export_dir=tmp_path / "none")
    with pytest.raises(FileNotFoundError, match="checkpoint /no/such.pt not found"):
        load_model("x=qk-eval-tiny:/no/such.pt", "qk-eval-tiny", 0)
    with pytest.raises(ValueError, match="expected trained, untrained"):
        load_model("justaname", "qk-eval-tiny", 0)


def test_untrained_is_reproducible(tiny_config):
    a = load_model("untrained", "qk-eval-tiny", 7)
    b = load_model("again=untrained", "qk-eval-tiny", 7)
    c = load_model("untrained", "qk-eval-tiny", 8)
    pa, pb, pc = (next(m.model.parameters()) for m in (a, b, c))
    assert (pa == pb).all() and not (pa == pc).all()
    assert a.fingerprint == b.fingerprint != c.fingerprint and b.label == "again"


def test_export_and_checkpoint_load_same_weights(tiny_config, export_dir):
    name, ckpt = tiny_config
    t = load_model("trained", name, 0, export_dir=export_dir)
    u = load_model(f"u={name}:{ckpt}", name, 0)
    for (k1, v1), (k2, v2) in zip(t.model.state_dict().items(), u.model.state_dict().items()):
        assert k1 == k2 and (v1 == v2).all()


def test_classname_files_are_valid():
    files = list(CLASSNAMES.glob("*.json"))
    assert files and all(len(load_classnames(p.stem)) >= 2 for p in files)
    with pytest.raises(FileNotFoundError, match="known"):
        load_classnames("nope")


def test_every_benchmark_adapter_has_classnames():
    from quiltkit.evaluation.adapters import CLASSIFICATION

    for name in CLASSIFICATION:
        if name != "demo_patches":  # the demo ships its own classnames.json
            assert load_classnames(name)
