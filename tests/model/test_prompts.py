import json

import pytest

from quiltkit.model.prompts import TEMPLATES, load_templates, templates_for


def test_template_files_are_valid():
    files = list(TEMPLATES.glob("*.json"))
    assert files and all(all("{c}" in t for t in load_templates(p.stem)) for p in files)
    assert templates_for("pcam") == load_templates("histopathology")  # no pcam set: the default


def test_a_missing_or_broken_set_is_named(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match=r"known: \['histopathology'"):
        load_templates("nope")
    monkeypatch.setattr("quiltkit.model.prompts.TEMPLATES", tmp_path)
    (tmp_path / "bad.json").write_text(json.dumps({"templates": ["no placeholder"]}))
    (tmp_path / "empty.json").write_text(json.dumps({"templates": []}))
    with pytest.raises(ValueError, match="has no {c} placeholder"):
        load_templates("bad")
    with pytest.raises(ValueError, match=r"empty.json: expected"):
        load_templates("empty")
    (tmp_path / "own.json").write_text(json.dumps({"templates": ["{c} here."]}))
    assert templates_for("own") == ["{c} here."]
