"""Prompt templates as data files, so changing a prompt is a data change DVC sees (the train and
evaluate stages both depend on src/quiltkit/model/templates), not a code edit.

    templates/<set>.json    {"templates": ["a histopathology image of {c}.", ...]}

A dataset uses templates/<dataset>.json when it exists, else the default set. Training's
per-epoch zero-shot check and the evaluate stage read the same set, so the curve during training
ends at the evaluate stage's number.
"""

from __future__ import annotations

from pathlib import Path

from quiltkit.io import read_string_list

TEMPLATES = Path(__file__).with_name("templates")
DEFAULT_TEMPLATES = "histopathology"


def load_templates(name: str = DEFAULT_TEMPLATES) -> list[str]:
    templates = read_string_list(TEMPLATES / f"{name}.json", "templates")
    bad = [t for t in templates if "{c}" not in t]
    if bad:
        raise ValueError(f"templates {name}: {bad[0]!r} has no {{c}} placeholder")
    return templates


def templates_for(dataset: str, default: str = DEFAULT_TEMPLATES) -> list[str]:
    return load_templates(dataset if (TEMPLATES / f"{dataset}.json").exists() else default)
