"""Written captions for still images, in the style of PubMed figure legends and Twitter posts.

Spoken narration (narration.py) and written captions differ in register, and the external source
and the retrieval set should look like the latter: "H&E, 20x: colorectal adenocarcinoma with
back-to-back glands". Each caption names the tissue (a synonym of the class) so zero-shot and
retrieval evaluations have a fair target, and the wording varies so a model cannot key on one
template.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from quiltkit.demo.tissue_classes import CLASS_INFO
from quiltkit.io import read_yaml_tables, string_list

# The legend tables are data: data/captions.yaml, read once here.
CAPTIONS_FILE = Path(__file__).parent / "data" / "captions.yaml"


def _load_tables(path: Path) -> dict:
    """The tables of data/captions.yaml: templates a list of strings, mag_text a mapping of
    magnification to a list of strings."""
    doc = read_yaml_tables(path, ("mag_text", "templates"), "the caption tables")
    mag = doc["mag_text"]
    if not isinstance(mag, dict) or sorted(mag) != ["high", "low", "medium"]:
        raise ValueError(f"{path}: mag_text must map exactly low, medium and high to word lists")
    return {
        "mag_text": {m: string_list(path, f"mag_text.{m}", words) for m, words in mag.items()},
        "templates": string_list(path, "templates", doc["templates"]),
    }


_TABLES = _load_tables(CAPTIONS_FILE)
MAG_TEXT: dict[str, list[str]] = _TABLES["mag_text"]
TEMPLATES: list[str] = _TABLES["templates"]


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def caption(rng: np.random.Generator, tissue_class: str, magnification: str | None = None) -> str:
    info = CLASS_INFO[tissue_class]
    syn = info.synonyms[int(rng.integers(0, len(info.synonyms)))]
    feature = info.features[int(rng.integers(0, len(info.features)))]
    mags = MAG_TEXT[magnification or "medium"]
    mag = mags[int(rng.integers(0, len(mags)))]
    tmpl = TEMPLATES[int(rng.integers(0, len(TEMPLATES)))]
    text = tmpl.format(syn=syn, Syn=_cap(syn), feature=feature, Feature=_cap(feature), mag=mag)
    if rng.random() < 0.2 and info.absent:  # legends often rule things out too
        text += f" No {info.absent[int(rng.integers(0, len(info.absent)))]} is seen."
    return text


def package_caption(rng: np.random.Generator, stain: str, description: str) -> str:
    opts = [
        f"{stain} image: {description}.",
        f"Example {stain} field ({description}).",
        f"Real {stain} micrograph, {description}.",
    ]
    return opts[int(rng.integers(0, len(opts)))]
