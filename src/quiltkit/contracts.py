"""The data contracts between stages, in one place.

Each stage writes one file per video (resumable, shardable) whose shape is defined here, and the
next stage reads it back through the same model. Changing a field means changing it here, and
every producer and consumer sees the change. Models are pydantic so a malformed intermediate
file is reported with its path and field instead of a KeyError three stages later.
"""

from __future__ import annotations

import csv
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Literal, Optional, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from quiltkit.io import atomic_write_text

log = logging.getLogger(__name__)

T = TypeVar("T", bound="Contract")


class ContractError(ValueError):
    """An intermediate file does not match its contract."""


class Contract(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def write(self, path: Path | str) -> None:
        atomic_write_text(Path(path), self.model_dump_json(indent=1))

    @classmethod
    def read(cls: type[T], path: Path | str) -> T:
        path = Path(path)
        try:
            return cls.model_validate_json(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ContractError(f"{path}: missing ({cls.__name__})") from None
        except ValidationError as err:
            first = err.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ContractError(f"{path}: not a valid {cls.__name__}: {where}: {first['msg']}") from None

    @classmethod
    def read_each(cls: type[T], out_dir: Path, video_ids: list[str], counts: dict) -> Iterator[T]:
        """Each video's `<out_dir>/<id>.json` that reads; one that does not is warned about and
        counted in counts["failed"] (a stage's metrics must not die on one broken file), and each
        that does is counted under its status."""
        for vid in video_ids:
            try:
                item = cls.read(Path(out_dir) / f"{vid}.json")
            except ContractError as err:
                log.warning("%s", err)
                counts["failed"] += 1
                continue
            counts[item.status] += 1
            yield item


# --------------------------------------------------------------------------------------------
# demo ground truth (written by quiltkit.demo, read by the curation scorer)

ShotKind = Literal["title", "slide", "presenter", "histology", "black"]


class GtShot(Contract):
    index: int
    start: float
    end: float
    kind: ShotKind
    transition_in: Literal["cut", "crossfade", "none"] = "cut"
    tissue_class: Optional[str] = None  # for histology shots
    image_key: str  # identifies the underlying picture; a repeated shot shares it
    source: str = "procedural"  # procedural | package:<name>
    magnification: Optional[Literal["low", "medium", "high"]] = None
    pointer: bool = False
    motion: Literal["static", "pan", "zoom"] = "static"
    label: Optional[str] = None  # e.g. "H&E package sample" / "IHC package sample" for real package images
    style: str = ""  # the renderer's style (quiltkit/demo/data/styles.yaml), e.g. slide_plain, viewer_dark
    style_group: str = ""  # its family: slides, documents, he, ihc, viewer, ...


class GtSentence(Contract):
    index: int
    start: float
    end: float
    text: str
    shot_index: int
    terms: list[str] = []  # vocabulary terms spoken in the sentence (canonical form)
    negated_terms: list[str] = []  # terms the sentence mentions as absent
    role: Literal["roi", "medical", "other"] = "other"


class GtPair(Contract):
    shot_index: int
    image_key: str
    sentence_indices: list[int]


class GroundTruth(Contract):
    video_id: str
    title: str
    duration: float
    fps: float
    width: int
    height: int
    shots: list[GtShot]
    sentences: list[GtSentence]
    expected_pairs: list[GtPair]
    silences: list[tuple[float, float]] = []  # intervals >= 2 s with no speech (one is planned per video)
    # The pointer's hotspot in frame k (frame pixels, the arrow's tip), None where none is drawn;
    # empty in ground truth written before the renderer recorded it (quiltkit.demo.pointer_truth).
    pointer: list[Optional[tuple[int, int]]] = []
    pointer_kind: str = "arrow"  # the sprite drawn (demo/slides.py POINTER_KINDS)


# --------------------------------------------------------------------------------------------
# download


RECORD_SUFFIX = ".record.json"  # outputs/download/<video_id>.record.json: one VideoRecord per listed video


class VideoRecord(Contract):
    """Per-video outcome of the download stage (one JSON per video, <video_id>RECORD_SUFFIX)."""

    video_id: str
    url: str
    status: Literal["ok", "failed", "skipped"]
    video_path: Optional[str] = None  # relative to the download output dir
    # With download.split_streams, the sound is in a file of its own (video_path then has none);
    # None: the audio, if any, is in video_path.
    audio_path: Optional[str] = None
    info_path: Optional[str] = None
    subtitle_paths: list[str] = []
    title: str = ""
    channel: str = ""
    uploader: str = ""
    license: Optional[str] = None
    duration: Optional[float] = None
    upload_date: Optional[str] = None
    webpage_url: Optional[str] = None
    attempts: int = 0
    error: Optional[str] = None


# --------------------------------------------------------------------------------------------
# ASR


class Word(Contract):
    start: float
    end: float
    word: str
    probability: float = 1.0


class Segment(Contract):
    start: float
    end: float
    text: str
    words: list[Word] = []
    avg_logprob: Optional[float] = None
    no_speech_prob: Optional[float] = None


class Transcript(Contract):
    video_id: str
    status: Literal["ok", "failed", "skipped"] = "ok"
    error: Optional[str] = None
    language: Optional[str] = None
    language_probability: Optional[float] = None
    duration: float = 0.0
    model: str = ""
    settings: dict = {}
    initial_prompt: Optional[str] = None
    segments: list[Segment] = []
    seconds_elapsed: float = 0.0


# --------------------------------------------------------------------------------------------
# frames


class Scene(Contract):
    index: int
    start: float
    end: float


class Keyframe(Contract):
    index: int
    time: float
    scene_index: int
    histology_prob: float
    is_histology: bool
    sharpness: float = 0.0


class PointerSample(Contract):
    """One frame of a stable interval the pointer tracker read (quiltkit.video.pointer)."""

    t: float  # seconds into the video
    x: Optional[float] = None  # the hotspot in image pixels, None when no pointer was found
    y: Optional[float] = None
    reason: str = "pointer"  # pointer | no_pointer | moving_view | clutter | isolated


class ChunkImage(Contract):
    """One image the video side proposes for pairing: the median of a stable interval or, by
    the paper's fallback, a keyframe."""

    image_id: str  # "<video_id>_<n>"
    path: str  # relative to the repository root, e.g. "outputs/frames/<vid>/<image_id>.png"
    start: float
    end: float
    scene_index: int
    method: Literal["median", "keyframe"]
    n_frames: int = 1
    histology_prob: float = 1.0
    magnification: Optional[Literal["low", "medium", "high"]] = None
    width: int
    height: int
    sharpness: float = 0.0
    phash: Optional[str] = None  # 64-bit DCT perceptual hash, 16 hex digits
    duplicate_of: Optional[str] = None  # image_id of an earlier near-identical image of this video (kept, not dropped)
    # every frame the pointer tracker read (frames.pointer) while this image is shown: a median
    # image's stable interval(s) against their median; a keyframe image's stretch of its scene
    # against the median of the scene's samples
    pointer: list[PointerSample] = []


class FrameAnalysis(Contract):
    video_id: str
    status: Literal["ok", "failed", "skipped"] = "ok"
    error: Optional[str] = None
    fps: float = 0.0
    duration: float = 0.0
    width: int = 0
    height: int = 0
    scenes: list[Scene] = []
    keyframes: list[Keyframe] = []
    images: list[ChunkImage] = []
    histology_share: float = 0.0
    counts: dict = {}  # stable_intervals, median_images, keyframe_images, blurred_rejected, duplicates
    seconds_elapsed: float = 0.0


# --------------------------------------------------------------------------------------------
# text


class Entity(Contract):
    text: str
    label: str  # canonical vocabulary term
    concept_id: Optional[str] = None  # CUI, HP:..., ICD10:..., or QK:... for project terms
    subpathology: Optional[str] = None
    negated: bool = False
    uncertain: bool = False
    start_char: int = 0
    end_char: int = 0


class Sentence(Contract):
    index: int
    start: float
    end: float
    noisy_text: str
    corrected_text: str
    role: Literal["roi", "medical", "other"] = "other"
    entities: list[Entity] = []
    corrections: list[tuple[str, str]] = []


class TextAnalysis(Contract):
    video_id: str
    status: Literal["ok", "failed", "skipped"] = "ok"
    error: Optional[str] = None
    sentences: list[Sentence] = []
    keywords: list[str] = []
    subpathology: list[str] = []
    llm_used: bool = False


# --------------------------------------------------------------------------------------------
# pairs and dataset rows

# Columns of the released quilt_1M_lookup.csv; our metadata is a superset of these.
QUILT_LOOKUP_COLUMNS = [
    "caption",
    "image_path",
    "subset",
    "split",
    "pathology",
    "roi_text",
    "noisy_text",
    "corrected_text",
    "med_umls_ids",
    "magnification",
    "height",
    "width",
]


class PairRecord(Contract):
    """One (image, text) row, as in the Quilt release: many rows may share an image."""

    pair_id: str
    video_id: str
    image_id: str
    image_path: str  # relative to the repository root
    caption: str
    sentence_indices: list[int] = []
    start: float = 0.0
    end: float = 0.0
    noisy_text: str = ""
    corrected_text: str = ""
    roi_text: str = ""  # the text when its sentence's role is "roi" (the LLM's label when text.llm.roles)
    med_text: str = ""  # the text when its sentence's role is "medical" (same source as roi_text)
    keywords: list[str] = []  # RAKE keywords of this pair's own text (its chunk), not the video's
    med_umls_ids: list[str] = []
    pathology: list[str] = []
    magnification: Optional[str] = None  # the narration's if it says one, else the image estimate
    magnification_image: Optional[str] = None
    magnification_narration: Optional[str] = None
    height: int = 0
    width: int = 0
    source: str = "quilt_video"
    aligner: str = ""
    score: float = 1.0
    # Where the sentence points (quiltkit.pairing.grounding): [x0, y0, x1, y1] in image pixels,
    # and the pointer positions (t, x, y) it was drawn around; None when the pointer said nothing.
    region: Optional[tuple[int, int, int, int]] = None
    region_track: list[tuple[float, float, float]] = []


class PairsFile(Contract):
    video_id: str
    aligner: str
    pairs: list[PairRecord] = []


# --------------------------------------------------------------------------------------------
# the Quilt-1M release rebuild (quiltkit.release): written by the release stage, read by dataset

# outputs/release/rows.csv: the lookup's rows whose image was rebuilt, these columns first and
# then the lookup's own (caption, subset, split, pathology, ...); the dataset stage reads it.
RELEASE_ROWS_FILE = "rows.csv"
RELEASE_ROW_COLUMNS = [
    "image_path",
    "filepath",
    "video_id",
    "chunk_id",
    "start",
    "end",
    "method",
    "url",
    "title",
    "channel",
    "license",
]


class RebuiltImage(Contract):
    """One name of quilt_data.csv and what the rebuild made of it."""

    image_path: str  # the release's name (quilt_1M_lookup.csv's key)
    chunk_id: int
    slot: int  # its position among its chunk's names: the n-th name is the chunk's n-th image
    status: Literal["ok", "missing"] = "ok"
    # missing: video gone (its status) | chunk not in metadata | interval past end of video |
    # no stable frames | fewer images than names | rescreened out
    reason: Optional[str] = None
    method: Optional[Literal["median", "keyframe"]] = None
    start: float = 0.0  # the stable interval, or the key frame's time (start == end)
    end: float = 0.0
    n_frames: int = 0  # frames the median was taken over
    path: Optional[str] = None  # the rebuilt file, relative to the repository root
    width: int = 0  # as saved
    height: int = 0
    decoded_width: int = 0  # the downloaded video's frame size
    decoded_height: int = 0
    expected_width: int = 0  # quilt_data.csv's
    expected_height: int = 0
    histology_prob: Optional[float] = None  # the re-screen's, when it ran


class RebuildRecord(Contract):
    """One release video: its download, its chunks and every one of its names."""

    video_id: str
    # not ok: its download's status (unavailable, private, removed, failed), or its metadata's
    status: Literal["ok", "unavailable", "private", "removed", "failed", "no_metadata", "unreadable"] = "ok"
    error: Optional[str] = None
    url: str = ""
    title: str = ""
    channel: str = ""
    license: str = ""
    chunks: int = 0  # by the release's chunk rule
    metadata_chunks: int = 0  # entries of stable_times
    unnamed_images: int = 0  # images made that no name asked for
    video_seconds: float = 0.0  # seconds of the video decoded (the pass stops after its last wanted frame)
    images: list[RebuiltImage] = []


# ---- labelled patches: data/demo/eval/patches.csv, read by training's zero-shot check
# (model/patch_check.py) and by the evaluate stage (evaluation/adapters/demo.py)

PATCH_COLUMNS = ("filepath", "label", "split")
PATCH_SPLITS = ("train", "val", "test")


@dataclass(frozen=True)
class PatchRow:
    filepath: str  # as written: relative to the repository root, like every path in our CSVs
    label: int  # index into classnames.json
    split: str  # one of PATCH_SPLITS
    line: int  # the CSV line, for messages about the image


def read_patch_rows(path: Path, classnames: list[str]) -> list[PatchRow]:
    """Every row of a labelled-patch CSV. A label is a name in classnames.json or an integer index
    into it (the demo generator has written both); anything else, a split outside PATCH_SPLITS or
    a missing column is a ContractError naming the file and line. Paths are not resolved here:
    each reader knows its own base."""
    index = {c: i for i, c in enumerate(classnames)}
    rows = []
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = set(PATCH_COLUMNS) - set(reader.fieldnames or [])
        if missing:
            raise ContractError(f"{path}: missing columns {sorted(missing)} (have {reader.fieldnames})")
        for n, row in enumerate(reader, start=2):
            label = (row["label"] or "").strip()
            if label not in index and label.isdigit() and int(label) < len(classnames):
                label = classnames[int(label)]
            if label not in index:
                raise ContractError(
                    f"{path} line {n}: label {label!r} is neither a name in classnames.json "
                    f"nor an index 0..{len(classnames) - 1}"
                )
            if row["split"] not in PATCH_SPLITS:
                raise ContractError(f"{path} line {n}: split {row['split']!r} is not {'|'.join(PATCH_SPLITS)}")
            rows.append(PatchRow(row["filepath"], index[label], row["split"], n))
    return rows
