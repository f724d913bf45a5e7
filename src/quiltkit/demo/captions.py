"""Written captions for still images, in the style of PubMed figure legends and Twitter posts.

Spoken narration (narration.py) and written captions differ in register, and the external source
and the retrieval set should look like the latter: "H&E, 20x: colorectal adenocarcinoma with
back-to-back glands". Each caption names the tissue (a synonym of the class) so zero-shot and
retrieval evaluations have a fair target, and the wording varies so a model cannot key on one
template.
"""

from __future__ import annotations

import numpy as np

from quiltkit.demo.tissue_classes import CLASS_INFO

MAG_TEXT = {
    "low": ["4x", "low power", "low magnification"],
    "medium": ["10x", "medium power", "intermediate power"],
    "high": ["40x", "high power", "high magnification"],
}

TEMPLATES = [
    "H&E stained section of {syn} showing {feature}.",
    "{Syn}: {feature} (H&E, {mag}).",
    "Photomicrograph of {syn} with {feature}.",
    "{Syn} at {mag}. Note the {feature}.",
    "Histology of {syn}, hematoxylin and eosin, {mag}.",
    "Case of the day: {syn}. {Feature}.",
    "Figure. {Syn} demonstrating {feature}.",
    "{Feature} in a section of {syn}.",
    "Biopsy showing {syn}; {feature}.",
    "Classic {syn} on H&E. {Feature}, {mag}.",
]


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
