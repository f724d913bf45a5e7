"""Readers for Quilt-1M's released CSVs, validated row by row.

Every list-valued cell is a Python literal ("[1.5, 3.0]"); it is parsed with ast.literal_eval,
which builds lists, numbers and strings and never runs code. A bad cell is an error naming the
file, the CSV line (as an editor counts it) and the column; a reader reports its first few bad
rows together, with the total, so one pass shows how broken a file is.

What each column means, as the release's reconstruction script uses it (data/main.py and
data/data_utils.py in wisdomikezogwo/quilt1m), and what is not known:

quilt_recon.csv, one row per video (the script reads the first row of each video_id):
    video_id          YouTube id
    key_frame_times   seconds of the video's key frames (scene changes), ascending
    predictions       one histology verdict (0/1) per key frame, same length
    stable_times      per chunk, the stable intervals [start, end] in seconds that the chunk's
                      median images come from. The script indexes it [chunk_id][chunk_id][0]
                      (see docs/RELEASE_DEFECTS.md); by its use in save_frame_chunks_recon
                      each chunk's entry is a list of (start, end) pairs. quiltkit reads
                      stable_times[chunk_id] as that list; an entry one level deeper (a list
                      of such lists) is read as its first element, which is what the script's
                      trailing [0] would take. Unknown: whether intervals already exclude
                      frames the curation's SSIM check rejected.
quilt_data.csv, one row per image (with its text):
    video_id, chunk_id  which video and which chunk (0-based, in chunk order) the image is from
    image_path          the image's file name, also quilt_1M_lookup.csv's key
    pair_chunk_time     the chunk length (s) the chunking used for this video
    height, width       the image's size in pixels (the video's frame size at curation)
    fps                 the video's frame rate at curation
    it_pair             True when the image has text (image-only rows are dropped at the end)
    medical_text        list of the chunk's medical sentences; exploded into one row each
    The order of a chunk's rows is what maps names to images: the n-th name of a chunk is its
    n-th image. Unknown: columns beyond these are kept but not interpreted.
quilt_1M_lookup.csv, one row per (image, caption):
    caption, image_path, subset, split, pathology, roi_text, noisy_text, corrected_text,
    med_umls_ids, magnification, height, width (and since 2023-10, single_wsi, not_histology).
"""

from __future__ import annotations

import ast
import csv
import math
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Callable, Iterator

MAX_REPORTED = 5

csv.field_size_limit(1 << 30)  # stable_times of a three-hour lecture runs to megabytes


class ReleaseError(ValueError):
    """A release file cannot be used as it is; the message names file, line and column."""


# ------------------------------------------------------------------------------- cell parsers


def _literal(v: str):
    try:
        return ast.literal_eval(v)  # literals only: never evaluates code
    except (ValueError, SyntaxError, MemoryError, RecursionError) as err:
        raise ValueError(f"not a Python literal ({type(err).__name__})") from None


def _number(x) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise ValueError(f"{x!r} is not a finite number")
    try:
        f = float(x)
    except OverflowError:  # an int literal beyond float's range (math.isfinite would raise too)
        raise ValueError(f"{str(x)[:20]}... is not a finite number") from None
    if not math.isfinite(f):
        raise ValueError(f"{x!r} is not a finite number")
    return f


def parse_float(v: str) -> float:
    try:
        x = float(v)
    except ValueError:
        raise ValueError("not a number") from None
    return _number(x)


def parse_count(v: str) -> int:
    x = parse_float(v)
    if x < 0 or x != int(x):
        raise ValueError("not a whole number >= 0")
    return int(x)


def parse_bool(v: str) -> bool:
    s = v.strip().lower()
    if s in ("true", "1", "1.0", "yes"):
        return True
    if s in ("false", "0", "0.0", "no", ""):
        return False
    raise ValueError("not a boolean (True/False)")


def parse_times(v: str) -> list[float]:
    val = _literal(v)
    if not isinstance(val, (list, tuple)):
        raise ValueError("not a list of times")
    times = [_number(x) for x in val]
    if any(b < a for a, b in zip(times, times[1:])):
        raise ValueError("times are not in ascending order")
    return times


def parse_flags(v: str) -> list[bool]:
    val = _literal(v)
    if not isinstance(val, (list, tuple)):
        raise ValueError("not a list of 0/1 predictions")
    out = []
    for x in val:
        if x not in (0, 1):  # True/False and 0.0/1.0 compare equal to these
            raise ValueError(f"prediction {x!r} is not 0 or 1")
        out.append(bool(x))
    return out


def _interval(x) -> tuple[float, float] | None:
    if (
        isinstance(x, (list, tuple))
        and len(x) == 2
        and all(isinstance(y, (int, float)) and not isinstance(y, bool) for y in x)
    ):
        a, b = _number(x[0]), _number(x[1])
        if b < a:
            raise ValueError(f"interval {list(x)} ends before it starts")
        return a, b
    return None


def _depth(x) -> int:
    d = 0
    while isinstance(x, (list, tuple)) and x:
        x, d = x[0], d + 1
    return d


def parse_stable_times(v: str) -> list[list[tuple[float, float]]]:
    """stable_times as one list of (start, end) intervals per chunk (see the module docstring)."""
    val = _literal(v)
    if not isinstance(val, (list, tuple)):
        raise ValueError("not a list with one entry per chunk")
    chunks = []
    for i, entry in enumerate(val):
        if entry is None or entry == [] or entry == ():
            chunks.append([])
            continue
        if not isinstance(entry, (list, tuple)):
            raise ValueError(f"chunk {i}: {entry!r} is not a list of intervals")
        iv = _interval(entry)
        if iv is not None:  # a chunk with one interval, written without the outer list
            chunks.append([iv])
            continue
        if _depth(entry) == 3:  # one level deeper: the first element, as the script's [0] reads
            entry = entry[0]
        ivs = []
        for x in entry:
            iv = _interval(x)
            if iv is None:
                raise ValueError(f"chunk {i}: {x!r} is not a [start, end] interval")
            ivs.append(iv)
        chunks.append(ivs)
    return chunks


def parse_texts(v: str) -> list[str]:
    s = v.strip()
    if not s:
        return []
    if s.startswith("["):
        val = _literal(s)
        if not isinstance(val, (list, tuple)):
            raise ValueError("not a list of sentences")
        return [str(x).strip() for x in val if str(x).strip()]
    return [s]


def parse_name(v: str) -> str:
    """An image name: a relative path below the images folder, nothing that could climb out of
    it (names become file paths under outputs/)."""
    s = v.strip()
    p = PurePosixPath(s)
    if not s or "\\" in s or "\x00" in s or p.is_absolute() or any(part in ("..", ".", "") for part in s.split("/")):
        raise ValueError("not a relative file name below the images folder")
    if p.suffix.lower() not in (".jpg", ".jpeg", ".png", ".webp"):
        raise ValueError("not a .jpg/.jpeg/.png/.webp name")
    return s


def text(v: str) -> str:
    return v.strip()


_VIDEO_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def parse_video_id(v: str) -> str:
    """A YouTube-style id ([A-Za-z0-9_-]): ids become file and folder names under outputs/."""
    s = v.strip()
    if not _VIDEO_ID.fullmatch(s):
        raise ValueError("not a video id of letters, digits, '_' and '-'")
    return s


# ------------------------------------------------------------------------------------ reading


@dataclass
class Column:
    name: str
    parse: Callable[[str], object]
    required: bool = True


def read_rows(path: Path | str, columns: list[Column]) -> Iterator[tuple[int, dict]]:
    """(line, {column: parsed value}) for each row of a release CSV; raises ReleaseError with the
    first MAX_REPORTED bad cells and the count of all of them once the file is read."""
    path = Path(path)
    if not path.is_file():
        raise ReleaseError(f"{path}: not found")
    bad: list[str] = []
    n_bad = 0
    with open(path, newline="", encoding="utf-8", errors="strict") as fh:
        reader = csv.DictReader(fh)
        try:  # the first read decodes a whole block, so bytes that are not UTF-8 can fail here already
            header = reader.fieldnames or []
        except (csv.Error, UnicodeDecodeError) as err:
            raise ReleaseError(f"{path}: not readable as CSV: {err}") from None
        missing = [c.name for c in columns if c.required and c.name not in header]
        if missing:
            raise ReleaseError(f"{path}: missing column(s) {missing}; has {header}")
        present = [c for c in columns if c.name in header]
        start = 2  # the first record starts on line 2, after the header
        try:
            for raw in reader:
                row, ok = dict(raw), True
                for c in present:
                    try:
                        row[c.name] = c.parse(raw[c.name] if raw[c.name] is not None else "")
                    except ValueError as err:
                        ok, n_bad = False, n_bad + 1
                        if len(bad) < MAX_REPORTED:
                            cell = (raw[c.name] or "")[:60]
                            bad.append(f"{path}:{start}: column {c.name!r}: {err} (value {cell!r})")
                if ok:
                    yield start, row
                start = reader.line_num + 1
        except (csv.Error, UnicodeDecodeError) as err:
            raise ReleaseError(f"{path}:{start}: not readable as CSV: {err}") from None
    if n_bad:
        more = f"\n... {n_bad - len(bad)} more bad cell(s)" if n_bad > len(bad) else ""
        raise ReleaseError(f"{path}: {n_bad} bad cell(s):\n" + "\n".join(bad) + more)


RECON_COLUMNS = [
    Column("video_id", parse_video_id),
    Column("key_frame_times", parse_times),
    Column("predictions", parse_flags),
    Column("stable_times", parse_stable_times),
]
DATA_COLUMNS = [
    Column("video_id", parse_video_id),
    Column("chunk_id", parse_count),
    Column("image_path", parse_name),
    Column("pair_chunk_time", parse_float),
    Column("height", parse_count),
    Column("width", parse_count),
    Column("fps", parse_float),
    Column("it_pair", parse_bool, required=False),
    Column("medical_text", parse_texts, required=False),
]
LOOKUP_COLUMNS = [
    Column("caption", text),
    Column("image_path", parse_name),
    Column("height", parse_count, required=False),
    Column("width", parse_count, required=False),
]


@dataclass
class VideoRecon:
    """quilt_recon.csv's row of one video."""

    video_id: str
    key_frame_times: list[float]
    predictions: list[bool]
    stable_times: list[list[tuple[float, float]]]
    line: int = 0


@dataclass
class ImageName:
    """quilt_data.csv's row of one image."""

    image_path: str
    video_id: str
    chunk_id: int
    height: int
    width: int
    fps: float
    pair_chunk_time: float
    it_pair: bool = True
    medical_text: list[str] = field(default_factory=list)
    line: int = 0


def read_recon(path: Path | str) -> dict[str, VideoRecon]:
    out: dict[str, VideoRecon] = {}
    for line, r in read_rows(path, RECON_COLUMNS):
        if len(r["predictions"]) != len(r["key_frame_times"]):
            raise ReleaseError(
                f"{path}:{line}: column 'predictions': {len(r['predictions'])} predictions "
                f"for {len(r['key_frame_times'])} key_frame_times"
            )
        # the script reads the first row of a video; later duplicates are the same video again
        out.setdefault(
            r["video_id"], VideoRecon(r["video_id"], r["key_frame_times"], r["predictions"], r["stable_times"], line)
        )
    return out


def read_data(path: Path | str) -> dict[str, list[ImageName]]:
    """video id -> its images in file order (the order that maps names to chunk images). A name
    listed twice (one row per medical sentence in some exports) is one image."""
    out: dict[str, list[ImageName]] = {}
    seen: dict[str, ImageName] = {}
    for line, r in read_rows(path, DATA_COLUMNS):
        prev = seen.get(r["image_path"])
        if prev is not None:
            if (prev.video_id, prev.chunk_id) != (r["video_id"], r["chunk_id"]):
                raise ReleaseError(
                    f"{path}:{line}: column 'image_path': {r['image_path']!r} is also image "
                    f"of video {prev.video_id} chunk {prev.chunk_id} (line {prev.line})"
                )
            prev.medical_text += [t for t in r.get("medical_text", []) if t not in prev.medical_text]
            continue
        im = ImageName(
            r["image_path"],
            r["video_id"],
            r["chunk_id"],
            r["height"],
            r["width"],
            r["fps"],
            r["pair_chunk_time"],
            r.get("it_pair", True),
            list(r.get("medical_text", [])),
            line,
        )
        seen[im.image_path] = im
        out.setdefault(im.video_id, []).append(im)
    return out


def read_lookup(path: Path | str) -> list[dict]:
    """quilt_1M_lookup.csv's rows (every column kept as text but the validated ones), each with
    its CSV line under "_line"."""
    return [{**r, "_line": line} for line, r in read_rows(path, LOOKUP_COLUMNS)]
