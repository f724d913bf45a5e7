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

TISSUE_CLASSES (name -> one-line description) is what config.py validates against; CLASS_INFO adds
the words the narration and the external captions draw on. Keep names lower-case: they are also
the zero-shot class names (data/demo/eval/classnames.json). Spoken text uses American spelling
("tumor", "color"), as Whisper transcribes it, so GT terms and ASR output can match exactly.

The real images that ship inside packages (package_images.py) are shown as extra histology shots
with tissue_class None: they are genuine H&E / IHC tissue, but none is a clean example of one of
these classes, and a wrong class label would poison zero-shot and pairing scores. Their GT shots
carry label "H&E package sample" or "IHC package sample" and source "package:<file>".
"""
from __future__ import annotations

from dataclasses import dataclass, field


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


CLASS_INFO: dict[str, ClassInfo] = {
    c.name: c
    for c in [
        ClassInfo(
            "normal colonic mucosa",
            "regular test-tube crypts lined by goblet cells, basal nuclei",
            terms=("colonic mucosa", "crypts", "goblet cells", "lamina propria"),
            synonyms=("normal colonic mucosa", "benign colonic mucosa", "normal large bowel mucosa", "unremarkable colonic mucosa"),
            features=(
                "regularly spaced round crypts of uniform size",
                "crypts lined by abundant goblet cells",
                "small basally located nuclei with no stratification",
                "a cellular lamina propria between evenly spaced crypts",
            ),
            facts=(
                "normal colonic crypts are straight and evenly spaced like test tubes in a rack",
                "goblet cells secrete mucin that lubricates the colonic surface",
                "the lamina propria normally contains plasma cells and lymphocytes",
            ),
            absent=("dysplasia", "necrosis", "architectural distortion"),
        ),
        ClassInfo(
            "colorectal adenocarcinoma",
            "irregular back-to-back glands, atypical enlarged nuclei, dirty necrosis",
            terms=("adenocarcinoma", "atypical glands", "nuclear pleomorphism", "dirty necrosis", "desmoplasia"),
            synonyms=("colorectal adenocarcinoma", "invasive adenocarcinoma", "adenocarcinoma of the colon", "colonic adenocarcinoma"),
            features=(
                "crowded atypical glands packed back to back",
                "irregular angulated glands of varying size",
                "enlarged pleomorphic nuclei with stratification",
                "luminal dirty necrosis with nuclear debris",
                "cribriform glands infiltrating a desmoplastic stroma",
            ),
            facts=(
                "adenocarcinoma is the most common colorectal malignancy",
                "most colorectal adenocarcinomas arise from a pre-existing adenoma",
                "dirty necrosis within glands is a classic clue to a colorectal primary",
                "tumor grade in colorectal adenocarcinoma depends on gland formation",
            ),
            absent=("mucinous differentiation", "signet ring cells", "lymphovascular invasion"),
        ),
        ClassInfo(
            "lymphoid tissue",
            "sheets of dense small round dark nuclei",
            terms=("lymphoid tissue", "lymphocytes", "lymphoid follicle", "germinal center"),
            synonyms=("lymphoid tissue", "a lymphoid aggregate", "reactive lymphoid tissue", "a lymph node"),
            features=(
                "sheets of small round lymphocytes with dark nuclei",
                "densely packed small round blue cells",
                "a lymphoid follicle with a paler germinal center",
                "monotonous small lymphocytes with scant cytoplasm",
            ),
            facts=(
                "lymphoid aggregates are a normal component of the colonic submucosa",
                "reactive germinal centers show tingible body macrophages",
                "small lymphocytes are about the size of a red blood cell",
            ),
            absent=("atypia", "necrosis", "metastatic carcinoma"),
        ),
        ClassInfo(
            "adipose tissue",
            "large empty polygonal vacuoles with thin membranes",
            terms=("adipose tissue", "adipocytes", "fat"),
            synonyms=("adipose tissue", "mature fat", "benign adipose tissue", "fatty tissue"),
            features=(
                "large clear polygonal adipocytes",
                "empty fat vacuoles separated by thin membranes",
                "mature adipocytes with peripheral flattened nuclei",
            ),
            facts=(
                "mature adipocytes appear empty because lipid dissolves during processing",
                "pericolic fat is where tumor deposits are searched for in staging",
                "fat necrosis shows foamy macrophages and saponification",
            ),
            absent=("lipoblasts", "atypia", "tumor deposits"),
        ),
        ClassInfo(
            "fibrous stroma",
            "pink wavy collagen bundles with sparse spindle nuclei",
            terms=("fibrous stroma", "collagen", "fibroblasts", "spindle cells"),
            synonyms=("fibrous stroma", "dense fibrous tissue", "collagenous stroma", "fibrotic stroma"),
            features=(
                "wavy pink collagen bundles",
                "sparse bland spindle nuclei aligned with the fibers",
                "paucicellular collagenous stroma",
                "eosinophilic collagen with scattered fibroblasts",
            ),
            facts=(
                "fibroblasts produce the collagen that gives stroma its pink color",
                "desmoplastic stroma forms around invasive carcinoma",
                "dense collagen is typical of a scar after injury",
            ),
            absent=("atypia", "mitoses", "necrosis"),
        ),
    ]
}

TISSUE_CLASSES: dict[str, str] = {name: info.description for name, info in CLASS_INFO.items()}
