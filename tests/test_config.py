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
    # the values are the file's, not the model's defaults
    assert params.project.seed == raw["project"]["seed"] == 1337
    assert params.project.workers == raw["project"]["workers"]
    assert params.demo.tissue_classes == raw["demo"]["tissue_classes"]
    assert params.holdout.voices == raw["holdout"]["voices"]
    assert params.download.retries == raw["download"]["retries"]
    assert params.download.video_list == raw["download"]["video_list"]
    # settings where the file departs from the defaults: these come from the file or nowhere
    assert params.frames.scenes.detect_fps == raw["frames"]["scenes"]["detect_fps"] != Params().frames.scenes.detect_fps
    assert params.frames.decode_reference_only is raw["frames"]["decode_reference_only"] is True
    assert params.download.split_streams is raw["download"]["split_streams"] is True
    assert params != Params()
    # every section the file has is a section of Params (parse_params rejects unknown keys, and
    # this keeps the check from passing on an empty file)
    assert raw and set(raw) <= set(Params.model_fields)


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
