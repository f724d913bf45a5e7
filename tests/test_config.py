from pathlib import Path

import pytest
import yaml

from quiltkit.config import Params, ParamsError, load_params, parse_params

REPO_PARAMS = Path(__file__).resolve().parents[1] / "params.yaml"


def test_repository_params_validate():
    # by absolute path: the test must not depend on pytest's working directory
    raw = yaml.safe_load(REPO_PARAMS.read_text(encoding="utf-8"))
    params = load_params(REPO_PARAMS)
    assert isinstance(params, Params)
    assert params == parse_params(raw, REPO_PARAMS)
    # every section the file has is a section of Params (parse_params rejects unknown keys, and
    # this keeps the check from passing on an empty file)
    assert raw and set(raw) <= set(Params.model_fields)


def _differences(a, b, path=""):
    if isinstance(a, dict) and isinstance(b, dict):
        return [
            d
            for k in sorted(set(a) | set(b), key=str)
            for d in _differences(a.get(k, "<absent>"), b.get(k, "<absent>"), f"{path}{k}.")
        ]
    return [] if a == b else [f"{path[:-1]}: params.yaml {a!r}, schema {b!r}"]


def test_params_yaml_is_the_schema_defaults():
    # One source of defaults: a user who deletes a key from params.yaml gets the pipeline that was
    # documented and measured, not another one the schema remembers.
    raw = yaml.safe_load(REPO_PARAMS.read_text(encoding="utf-8"))
    assert _differences(raw, Params().model_dump(mode="json")) == []


def test_a_value_in_the_file_is_the_value_used(tmp_path):
    raw = yaml.safe_load(REPO_PARAMS.read_text(encoding="utf-8"))
    raw["project"]["seed"] = 7
    raw["frames"]["scenes"]["detect_fps"] = 0.0
    del raw["download"]["split_streams"]  # a deleted key takes the default, which is params.yaml's
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    params = load_params(path)
    assert (params.project.seed, params.frames.scenes.detect_fps, params.download.split_streams) == (7, 0.0, True)


def test_defaults_roundtrip_through_yaml():
    data = yaml.safe_load(yaml.safe_dump(Params().model_dump(mode="json")))
    assert parse_params(data) == Params()


def test_unknown_key_is_named():
    with pytest.raises(ParamsError, match=r"train\.learning_rate: unknown key"):
        parse_params({"train": {"learning_rate": 0.1}})


def test_wrong_type_is_named_with_value():
    with pytest.raises(ParamsError) as err:
        parse_params({"train": {"epochs": "many"}})
    assert "train.epochs" in str(err.value) and "'many'" in str(err.value)


def test_out_of_range_is_named():
    with pytest.raises(ParamsError, match=r"frames\.stable\.ssim_threshold"):
        parse_params({"frames": {"stable": {"ssim_threshold": 1.5}}})


def test_cross_field_rule():
    with pytest.raises(ParamsError, match="val_fraction \\+ test_fraction"):
        parse_params({"dataset": {"val_fraction": 0.6, "test_fraction": 0.5}})


def test_top_level_must_be_mapping(tmp_path):
    p = tmp_path / "params.yaml"
    p.write_text("- a\n- b\n")
    with pytest.raises(ParamsError, match="top level must be a mapping"):
        load_params(p)


def test_bad_yaml_names_file(tmp_path):
    p = tmp_path / "params.yaml"
    p.write_text("train: {epochs: [\n")
    with pytest.raises(ParamsError, match=str(p)):
        load_params(p)


def test_yaml_is_loaded_safely(tmp_path):
    p = tmp_path / "params.yaml"
    p.write_text("project: !!python/object/apply:os.system ['echo pwned']\n")
    with pytest.raises(ParamsError):
        load_params(p)
