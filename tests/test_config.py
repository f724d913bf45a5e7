import pytest
import yaml

from quiltkit.config import Params, ParamsError, load_params, parse_params


def test_repository_params_validate():
    params = load_params("params.yaml")
    assert isinstance(params, Params)
    assert params.project.seed == params.project.seed


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
