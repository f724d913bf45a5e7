import os

import pytest

from quiltkit.io import atomic_path, atomic_write_text, clean_temp_files, read_json, write_json


def test_atomic_write_replaces_whole_file(tmp_path):
    p = tmp_path / "a" / "x.json"
    write_json(p, {"a": 1})
    write_json(p, {"a": 2})
    assert read_json(p) == {"a": 2}
    assert [f.name for f in p.parent.iterdir()] == ["x.json"]


def test_failed_write_leaves_old_file_and_no_temp(tmp_path):
    p = tmp_path / "x.txt"
    atomic_write_text(p, "old")
    with pytest.raises(RuntimeError):
        with atomic_path(p) as tmp:
            tmp.write_text("half")
            raise RuntimeError("disk full")
    assert p.read_text() == "old"
    assert os.listdir(tmp_path) == ["x.txt"]


def test_clean_temp_files(tmp_path):
    (tmp_path / ".x.json.abc.json").write_text("partial")
    (tmp_path / "x.json").write_text("{}")
    assert clean_temp_files(tmp_path) == 1
    assert os.listdir(tmp_path) == ["x.json"]
