import pytest

from quiltkit.paths import repo_root, safe_id


@pytest.mark.parametrize(
    "raw,expected",
    [("abc-DEF_1", "abc-DEF_1"), ("../../etc/passwd", "etc_passwd"), ("a/b\\c", "a_b_c"), ("id\x00\x1b[31m", "id_31m")],
)
def test_safe_id(raw, expected):
    assert safe_id(raw) == expected


def test_safe_id_bounded_and_never_empty():
    assert len(safe_id("x" * 10_000_000)) == 64
    with pytest.raises(ValueError, match="no usable characters"):
        safe_id("../..")


def test_repo_root_from_dvc_exp_temp_copy(tmp_path, monkeypatch):
    monkeypatch.delenv("QUILTKIT_REPO_ROOT", raising=False)
    copy = tmp_path / "repo" / ".dvc" / "tmp" / "exps" / "tmpabc123"
    copy.mkdir(parents=True)
    (copy / "dvc.yaml").write_text("stages: {}\n")
    assert repo_root(copy) == tmp_path / "repo"
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "dvc.yaml").write_text("stages: {}\n")
    assert repo_root(tmp_path / "plain") == tmp_path / "plain"
