"""Each benchmark's class names as data files, in the order of its adapter's label indices:

data/classnames/<dataset>.json    {"classnames": [...]}
"""

from __future__ import annotations

from pathlib import Path

from quiltkit.io import read_string_list

CLASSNAMES = Path(__file__).with_name("data") / "classnames"


def load_classnames(dataset: str) -> list[str]:
    return read_string_list(CLASSNAMES / f"{dataset}.json", "classnames")
