"""Persisted per-video outputs are kept only for a re-run of the very same stage inputs."""

import pytest
import yaml

from quiltkit.resume import claim_output_dir, marker_for, stage_fingerprint


def _workspace(tmp_path):
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "x.py").write_text("A = 1\n")
    (tmp_path / "in.csv").write_text("video_id,url\nv1,a.mp4\n")
    (tmp_path / "dvc.yaml").write_text(
        yaml.safe_dump(
            {
                "stages": {
                    "asr": {
                        "cmd": "python x.py",
                        "deps": ["code", "in.csv"],
                        "params": ["asr", "project.seed"],
                        "outs": ["out"],
                    }
                }
            }
        )
    )
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
    assert not claim_output_dir(out, "fp1").kept
    (out / "v1.json").write_text("{}")
    assert claim_output_dir(out, "fp1").kept and (out / "v1.json").exists()
    assert not claim_output_dir(out, "fp2").kept and not (out / "v1.json").exists()
    assert marker_for(out).read_text().strip() == "fp2"
    assert sorted(p.name for p in out.iterdir()) == []  # the marker is not inside the output


def test_output_without_marker_is_not_trusted(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "stale.json").write_text("{}")
    assert not claim_output_dir(out, "fp").kept and not (out / "stale.json").exists()


def _video_outputs(out, *vids):
    for v in vids:
        (out / f"{v}.json").write_text(v)
        (out / v).mkdir(exist_ok=True)
        (out / v / "img_0.png").write_bytes(b"png")


def _listing(out):
    return sorted(str(p.relative_to(out)) for p in out.rglob("*"))


def test_per_video_keys_keep_unchanged_videos_and_redo_only_what_changed(tmp_path):
    out = tmp_path / "out"
    claim = claim_output_dir(out, "fp", {"v1": "a", "v2": "b", "v3": "c"})
    assert not claim.kept  # nothing was there
    _video_outputs(out, "v1", "v2", "v3")
    (out / "vocabulary.tsv").write_text("stage-wide")
    # v4 added, v2's input changed, v3 removed from the list
    claim = claim_output_dir(out, "fp", {"v1": "a", "v2": "B", "v4": "d"})
    assert (
        claim.kept and claim.changed == ["v2"] and claim.removed == ["v3"] and sorted(claim.unchanged) == ["v1", "v4"]
    )
    assert _listing(out) == ["v1", "v1.json", "v1/img_0.png", "vocabulary.tsv"]
    assert claim.summary() == {"videos_changed": 1, "videos_removed": 1, "stage_redone": False}
    # the marker now holds the new keys: the same list again changes nothing
    _video_outputs(out, "v2", "v4")
    claim = claim_output_dir(out, "fp", {"v1": "a", "v2": "B", "v4": "d"})
    assert claim.changed == [] and claim.removed == [] and len(_listing(out)) == 10
    # a stage-wide change (params, code) redoes every video
    claim = claim_output_dir(out, "fp2", {"v1": "a", "v2": "B", "v4": "d"})
    assert not claim.kept and _listing(out) == []


def test_ids_that_prefix_each_other_keep_their_own_files(tmp_path):
    out = tmp_path / "out"
    claim_output_dir(out, "fp", {"a": "1", "a.b": "2", "ab": "3"})
    for name in ("a.json", "a.b.json", "ab.json"):
        (out / name).write_text("x")
    claim = claim_output_dir(out, "fp", {"a": "changed", "a.b": "2", "ab": "3"})
    assert claim.changed == ["a"] and sorted(p.name for p in out.iterdir()) == ["a.b.json", "ab.json"]


def test_a_plain_text_marker_of_the_older_form_trusts_nothing_per_video(tmp_path):
    out = tmp_path / "out"
    claim_output_dir(out, "fp")
    _video_outputs(out, "v1")
    claim = claim_output_dir(out, "fp", {"v1": "a"})
    assert not claim.kept and _listing(out) == []


def test_per_video_inputs_are_left_out_of_the_stage_fingerprint(tmp_path):
    root = _workspace(tmp_path)
    params = {"asr": {"model": "tiny.en"}, "project": {"seed": 1}}
    base = stage_fingerprint("asr", params, root, per_video=["in.csv"])
    (root / "in.csv").write_text("video_id,url\nv1,a.mp4\nv2,b.mp4\n")
    assert stage_fingerprint("asr", params, root, per_video=["in.csv"]) == base  # a new row is per-video work
    (root / "code" / "x.py").write_text("A = 3\n")
    assert stage_fingerprint("asr", params, root, per_video=["in.csv"]) != base  # code is stage-wide


def test_templated_deps_are_resolved_from_params(tmp_path):
    root = _workspace(tmp_path)
    doc = yaml.safe_load((root / "dvc.yaml").read_text())
    doc["stages"]["asr"]["deps"] = ["code", "${download.video_list}"]
    (root / "dvc.yaml").write_text(yaml.safe_dump(doc))
    (root / "mine.csv").write_text("video_id,url\nx,y.mp4\n")
    params = {"asr": {}, "project": {"seed": 1}, "download": {"video_list": "in.csv"}}
    a = stage_fingerprint("asr", params, root)
    b = stage_fingerprint("asr", {**params, "download": {"video_list": "mine.csv"}}, root)
    assert a != b
    assert stage_fingerprint(
        "asr", {**params, "download": {"video_list": "mine.csv"}}, root, per_video=["mine.csv"]
    ) == stage_fingerprint("asr", params, root, per_video=["in.csv"])
    with pytest.raises(KeyError, match="download.video_list"):
        stage_fingerprint("asr", {"asr": {}, "project": {"seed": 1}}, root)
