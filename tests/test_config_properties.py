"""Property tests of params.yaml's schema (quiltkit.config.parse_params).

`dvc exp run -S key=value` edits params.yaml one dotted key at a time, so the property is stated
per dotted key: after any one mutation of the repository's params.yaml (a wrong type, a key
deleted or unknown, a number out of range), parsing gives either valid Params that hold the new
value, or a ParamsError whose message names the dotted key. Never another exception type.
"""

from __future__ import annotations

import copy
import datetime
import math
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from quiltkit.config import Params, ParamsError, parse_params

PARAMS_YAML = Path(__file__).resolve().parents[1] / "params.yaml"
BASE = yaml.safe_load(PARAMS_YAML.read_text(encoding="utf-8"))
DEFAULTS = Params().model_dump(mode="json")
SETTINGS = settings(
    max_examples=300, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow]
)


def _paths(d: dict, prefix: tuple = ()) -> list[tuple]:
    out = []
    for k, v in d.items():
        out.append(prefix + (k,))
        if isinstance(v, dict):
            out += _paths(v, prefix + (k,))
    return out


KEYS = _paths(BASE)  # every dotted key of params.yaml, sections included


def get(d: dict, key: tuple):
    for k in key:
        d = d[k]
    return d


def dotted(key: tuple) -> str:
    return ".".join(str(k) for k in key)


values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(-3, 3),
    st.sampled_from([10**30, -(10**30), 2**63]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([-1.0, 0.0, 1.5, 1e-9, 1e308, 2.0, 100.0, 1.0001]),
    st.text(max_size=20),
    st.sampled_from(
        [
            "",
            "cpu",
            "cuda",
            "ray",
            "timm",
            "stain",
            "true",
            "3",
            "1e3",
            "x:y",
            "openclip_csv:a.csv",
            "quilt_lookup:b.csv;root=c",
            "normal colonic mucosa",
            "32-true",
            "sqlite:///m.db",
        ]
    ),
    st.dates(min_value=datetime.date(1990, 1, 1), max_value=datetime.date(2100, 1, 1)),
    st.binary(max_size=4),
    st.lists(
        st.one_of(
            st.integers(-2, 200),
            st.floats(-1, 2),
            st.text(max_size=8),
            st.sampled_from(["adipose tissue", "lymphoid tissue", "en"]),
        ),
        max_size=4,
    ),
    st.dictionaries(st.text(max_size=6), st.integers(), max_size=2),
)


@st.composite
def mutations(draw):
    """(data, key, kind): params.yaml with one dotted key changed, deleted or added."""
    data = copy.deepcopy(BASE)
    kind = draw(st.sampled_from(["set", "set", "set", "delete", "unknown"]))
    if kind == "unknown":
        parents = [()] + [k for k in KEYS if isinstance(get(BASE, k), dict)]
        parent = draw(st.sampled_from(parents))
        # (a name with a line break in it would need quoting in YAML; not what a typo makes)
        printable = st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"))
        name = draw(
            st.one_of(st.text(printable, min_size=1, max_size=12), st.sampled_from(["seeds", "tresh", "Seed", "_x"]))
        )
        if name in get(data, parent):
            name = name + "_unknown"
        get(data, parent)[name] = draw(values)
        return data, parent + (name,), kind
    key = draw(st.sampled_from(KEYS))
    if kind == "delete":
        del get(data, key[:-1])[key[-1]]
    else:
        get(data, key[:-1])[key[-1]] = draw(values)
    return data, key, kind


def _set(key: tuple, value) -> tuple:
    data = copy.deepcopy(BASE)
    get(data, key[:-1])[key[-1]] = value
    return data, key, "set"


def names_key(msg: str, key: tuple) -> bool:
    """One of the message's lines is about the dotted key (or a key below it), or, for a check
    across a section's fields, is about the section and names the field."""
    lines = [line[2:] for line in msg.split("\n")[1:] if line.startswith("  ")]
    if any(line.startswith((dotted(key) + ":", dotted(key) + ".")) for line in lines):
        return True
    section, leaf = dotted(key[:-1]), str(key[-1])
    return bool(section) and any(
        line.startswith(section + ":") and leaf in line.rsplit(" (got ", 1)[0] for line in lines
    )


def same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


@SETTINGS
@given(mutations())
@example(_set(("dataset", "external_sources"), ["nope"]))
@example(_set(("dataset", "external_sources"), ["openclip_csv:a.csv", "parquet:b"]))
@example(_set(("dataset", "val_fraction"), 0.95))
@example(_set(("frames", "histology", "backend"), "timm"))
@example(_set(("frames", "histology", "device"), "cuda"))
@example(_set(("demo", "width"), 641))
@example(_set(("demo", "tissue_classes"), ["adipose tissue", "bone"]))
@example(_set(("frames",), 5))
@example(_set(("train", "epochs"), 0))
def test_one_mutation_gives_params_or_an_error_naming_the_key(mutation):
    data, key, kind = mutation
    try:
        params = parse_params(data, "params.yaml")
    except ParamsError as err:
        msg = str(err)
        assert msg.startswith("params.yaml: ")
        assert names_key(msg, key), (dotted(key), msg)
        assert kind != "delete", msg  # every key has a default: deleting one is never an error
        return
    assert isinstance(params, Params)
    assert kind != "unknown", f"unknown key {dotted(key)} accepted"
    dumped = params.model_dump(mode="json")
    if kind == "delete":  # the default takes the key's place
        assert get(dumped, key) == get(DEFAULTS, key), dotted(key)
        return
    new = get(data, key)
    got = get(dumped, key)
    if isinstance(new, (bool, int, float)) and not isinstance(got, (str, list, dict)):
        assert same(float(got), float(new)), (dotted(key), new, got)  # accepted numbers are kept as given
    elif isinstance(new, str) and isinstance(got, str):
        assert got == new
    # and the accepted file round-trips through YAML
    text = yaml.safe_dump(params.model_dump(mode="json"), sort_keys=False)
    assert yaml.safe_dump(parse_params(yaml.safe_load(text)).model_dump(mode="json"), sort_keys=False) == text


@pytest.mark.parametrize("data", [[], "text", 3, [{"project": {}}]])
def test_a_top_level_that_is_no_mapping_is_a_params_error(data):
    with pytest.raises(ParamsError, match="top level must be a mapping"):
        parse_params(data, "p.yaml")


def test_the_repository_params_round_trip():
    params = parse_params(BASE, PARAMS_YAML)
    again = parse_params(yaml.safe_load(yaml.safe_dump(params.model_dump(mode="json"))), PARAMS_YAML)
    assert again == params
    # params.yaml sets every key, and sets it to what the parsed model holds
    dumped = params.model_dump(mode="json")
    assert {dotted(k) for k in _paths(dumped)} == {dotted(k) for k in KEYS}
    for k in KEYS:
        if not isinstance(get(BASE, k), dict):
            assert same(get(dumped, k), get(BASE, k)), dotted(k)


# valid values per leaf, drawn in range, for the round trip of many valid files at once
def _valid_leaf(value):
    if isinstance(value, bool):
        return st.booleans()
    if isinstance(value, int):
        return st.integers(value, value * 4 + 4)
    return st.floats(value, value * 2 + 1, allow_nan=False).map(lambda x: round(x, 6))


NUMERIC = [
    k
    for k in KEYS
    if isinstance(get(BASE, k), (bool, int, float))
    and k not in {("dataset", "val_fraction"), ("dataset", "test_fraction")}
]


@settings(SETTINGS, max_examples=40)  # (PyYAML is slow: a dump and a load of the whole file per example)
@given(st.data())
def test_valid_files_round_trip_through_yaml(data):
    d = copy.deepcopy(BASE)
    for key in data.draw(st.lists(st.sampled_from(NUMERIC), max_size=6, unique=True)):
        get(d, key[:-1])[key[-1]] = data.draw(_valid_leaf(get(BASE, key)))
    try:
        params = parse_params(d, "params.yaml")
    except ParamsError as err:  # an upper bound (fps <= 60, crf <= 51, ...) or an odd frame size
        assert any(names_key(str(err), k) for k in NUMERIC), str(err)
        return
    text = yaml.safe_dump(params.model_dump(mode="json"))
    assert parse_params(yaml.safe_load(text), "params.yaml") == params
    assert parse_params(yaml.safe_load(yaml.safe_dump(d)), "params.yaml") == params
