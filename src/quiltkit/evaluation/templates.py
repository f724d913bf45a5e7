"""Prompt templates and class names as data files, so changing a prompt is a data change DVC
sees (src/quiltkit/evaluation is a dependency of the evaluate stage), not a code edit.

    data/templates/<set>.json    {"templates": ["a histopathology image of {c}.", ...]}
    data/classnames/<ds>.json    {"classnames": [...]}  order = label index of the adapter
A dataset uses data/templates/<dataset>.json when it exists, else the default set.
"""
from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

DATA = Path(str(resources.files("quiltkit.evaluation") / "data"))
DEFAULT_TEMPLATES = "histopathology"


def _load(kind: str, name: str, key: str) -> list[str]:
    path = DATA / kind / f"{name}.json"
    if not path.exists():
        known = sorted(p.stem for p in (DATA / kind).glob("*.json"))
        raise FileNotFoundError(f"no {kind} file {path} (known: {known})")
    obj = json.loads(path.read_text(encoding="utf-8"))
    values = obj.get(key) if isinstance(obj, dict) else None
    if not isinstance(values, list) or not values or not all(isinstance(v, str) and v for v in values):
        raise ValueError(f"{path}: expected {{\"{key}\": [non-empty strings]}}")
    return values


def load_templates(name: str = DEFAULT_TEMPLATES) -> list[str]:
    templates = _load("templates", name, "templates")
    bad = [t for t in templates if "{c}" not in t]
    if bad:
        raise ValueError(f"templates {name}: {bad[0]!r} has no {{c}} placeholder")
    return templates


def templates_for(dataset: str, default: str = DEFAULT_TEMPLATES) -> list[str]:
    own = DATA / "templates" / f"{dataset}.json"
    return load_templates(dataset if own.exists() else default)


def load_classnames(dataset: str) -> list[str]:
    return _load("classnames", dataset, "classnames")
