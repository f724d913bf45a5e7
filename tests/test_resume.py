"""Persisted per-video outputs are kept only for a re-run of the very same stage inputs."""
import yaml

from quiltkit.resume import claim_output_dir, marker_for, stage_fingerprint


def _workspace(tmp_path):
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "x.py").write_text("A = 1\n")
    (tmp_path / "in.csv").write_text("video_id,url\nv1,a.mp4\n")
    (tmp_path / "dvc.yaml").write_text(yaml.safe_dump({"stages": {"asr": {
        "cmd": "python x.py", "deps": ["code", "in.csv"], "params": ["asr", "project.seed"], "outs": ["out"]}}}))
    return tmp_path


def test_fingerprint_follows_params_code_and_inputs(tmp_path):
    root = _workspace(tmp_path)
    params = {"asr": {"model": "tiny.en"}, "project": {"seed": 1, "workers": 2}, "train": {"epochs": 3}}
    base = stage_fingerprint("asr", params, root)
    assert stage_fingerprint("asr", {**params, "train": {"epochs": 9}}, root) == base  # not this stage's params
    assert stage_fingerprint("asr", {**params, "project": {"seed": 1, "workers": 8}}, root) == base
    assert stage_fingerprint("asr", {**params, "asr": {"model": "large-v3"}}, root) != base
    (root / "code" / "x.py").write_text("A = 2\n")
    changed_code = stage_fingerprint("asr", params, root)
    assert changed_code != base
    (root / "in.csv").write_text("video_id,url\nv1,a.mp4\nv2,b.mp4\n")
    assert stage_fingerprint("asr", params, root) != changed_code


def test_claim_keeps_same_and_wipes_different(tmp_path):
    out = tmp_path / "out"
    assert claim_output_dir(out, "fp1") is False
    (out / "v1.json").write_text("{}")
    assert claim_output_dir(out, "fp1") is True and (out / "v1.json").exists()
    assert claim_output_dir(out, "fp2") is False and not (out / "v1.json").exists()
    assert marker_for(out).read_text().strip() == "fp2"
    assert sorted(p.name for p in out.iterdir()) == []  # the marker is not inside the output


def test_output_without_marker_is_not_trusted(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "stale.json").write_text("{}")
    assert claim_output_dir(out, "fp") is False and not (out / "stale.json").exists()
