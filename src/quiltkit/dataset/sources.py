"""Source adapters: every supported input becomes a list of Rows, each remembering its source.

  quilt_video          our pairs (outputs/pairs/<vid>.json), one row per (image, sentence)
  quilt_release        Quilt-1M rebuilt from its release (outputs/release/rows.csv, quiltkit.release)
  openclip_csv         open_clip's CSV: filepath,title
  quilt_lookup         the released quilt_1M_lookup.csv (image_path relative to an images root)
  img2dataset_parquet  img2dataset's parquet output (image bytes in a column)
  img2dataset_wds      img2dataset's webdataset output (<key>.jpg/.txt/.json in tars)

A spec is "kind:path", optionally followed by ";key=value" options (quilt_lookup: root=DIR, the
images root; default: the CSV's folder). Relative paths resolve against the repository root,
then against the list's own folder, so a CSV moved with its images keeps working.

Rows that cannot be used (missing image file, empty caption, failed download) are skipped and
counted, each with its file and row number in the log; a source that cannot be read at all
(missing file, missing columns) is an error naming the file, because silently training without
a configured source is worse than stopping.
"""

from __future__ import annotations

import ast
import io
import json
import logging
import math
import tarfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from quiltkit.config import EXTERNAL_SOURCE_KINDS
from quiltkit.contracts import (
    QUILT_LOOKUP_COLUMNS,
    RECORD_SUFFIX,
    RELEASE_ROWS_FILE,
    ContractError,
    PairsFile,
    VideoRecord,
)
from quiltkit.dataset.rows import Row
from quiltkit.io import TAR_READ_ERRORS

log = logging.getLogger(__name__)

IMAGE_EXTS = ("jpg", "jpeg", "png", "webp")
MAX_LOGGED_SKIPS = 5


class SourceError(ValueError):
    """A configured source cannot be read."""


@dataclass
class SourceSpec:
    kind: str
    path: Path
    options: dict = field(default_factory=dict)
    raw: str = ""


@dataclass
class Loaded:
    rows: list[Row]
    skipped: dict = field(default_factory=dict)  # reason -> count


def parse_spec(spec: str, root: Path) -> SourceSpec:
    if ":" not in spec:
        raise SourceError(f"external source {spec!r}: expected 'kind:path'")
    kind, rest = spec.split(":", 1)
    if kind not in EXTERNAL_SOURCE_KINDS:
        raise SourceError(f"external source {spec!r}: unknown kind {kind!r}; known: {', '.join(EXTERNAL_SOURCE_KINDS)}")
    parts = rest.split(";")
    opts = {}
    for p in parts[1:]:
        if "=" not in p:
            raise SourceError(f"external source {spec!r}: option {p!r} is not key=value")
        k, v = p.split("=", 1)
        opts[k.strip()] = v.strip()
    path = Path(parts[0])
    return SourceSpec(kind, path if path.is_absolute() else root / path, opts, spec)


def _is_file(p: Path) -> bool:
    try:
        return p.is_file()
    except OSError:  # a name too long for the file system (is_file passes that errno on)
        return False


def _resolve(p: str, root: Path, base: Path) -> Path | None:
    cand = Path(p)
    if cand.is_absolute():
        return cand if _is_file(cand) else None
    for c in (root / cand, base / cand):
        if _is_file(c):  # an empty cell is Path("."): the folder itself, no image
            return c
    return None


def _rel(p: Path, root: Path) -> str:
    try:
        return p.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return p.as_posix()


class _Skips:
    def __init__(self, where: str):
        self.where, self.counts = where, {}

    def add(self, reason: str, detail: str) -> None:
        n = self.counts.get(reason, 0)
        if n < MAX_LOGGED_SKIPS:
            log.warning("%s: skipping %s (%s)", self.where, detail, reason)
        elif n == MAX_LOGGED_SKIPS:
            log.warning("%s: more rows skipped for %s; counted in metrics", self.where, reason)
        self.counts[reason] = n + 1

    def image_and_caption(self, line: int, image, caption, images_root: Path, base: Path) -> tuple[Path, str] | None:
        """A CSV row's image file and caption, or None once the reason to skip the row is counted."""
        img = _resolve(_text(image), images_root, base)
        if img is None:
            self.add("missing image", f"row {line}: {image!r}")
            return None
        cap = _text(caption)
        if not cap:
            self.add("empty caption", f"row {line}")
            return None
        return img, cap


def _listish(v) -> list[str]:
    """quilt_1M_lookup.csv stores lists as Python literals ("['a', 'b']"); accept those, plain
    strings and real lists."""
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return []
    if isinstance(v, (list, tuple)):
        return [str(x) for x in v]
    s = str(v).strip()
    if not s or s.lower() in ("nan", "none", "[]"):
        return []
    if s.startswith("["):
        try:
            val = ast.literal_eval(s)  # literals only: never evaluates code
            if isinstance(val, (list, tuple)):
                return [str(x) for x in val]
        except (ValueError, SyntaxError, MemoryError, RecursionError):  # the last two: absurdly nested input
            pass
    return [x.strip() for x in s.strip("[]").split(",") if x.strip()]


def _text(v) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return ""
    return str(v).strip()


def lookup_fields(r: dict) -> dict:
    """The Row fields of a quilt_1M_lookup.csv row's own columns (a released lookup's, or the
    release stage's rebuilt rows, which carry them): lists parsed as data, blanks as empty."""
    return {
        "subset": _text(r.get("subset")) or "quilt",
        "source_split": _text(r.get("split")),
        "pathology": _listish(r.get("pathology")),
        "roi_text": _text(r.get("roi_text")),
        "noisy_text": _text(r.get("noisy_text")),
        "corrected_text": _text(r.get("corrected_text")),
        "med_umls_ids": _listish(r.get("med_umls_ids")),
        "magnification": _text(r.get("magnification")) or None,
    }


def _read_csv(path: Path, required: list[str]) -> pd.DataFrame:
    if not path.exists():
        raise SourceError(f"{path}: not found")
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            header = fh.readline()
        # open_clip's own default separator is a tab; the demo and Quilt write commas
        sep = "\t" if "\t" in header and "," not in header else ","
        with warnings.catch_warnings():
            # index_col=False: a first row with one field too many (an unquoted comma) must not make
            # pandas take the first column as the index, shifting every row's columns by one; its
            # warning that the extra field is dropped is the same error as a later row's
            warnings.simplefilter("error", pd.errors.ParserWarning)
            df = pd.read_csv(path, dtype=str, keep_default_na=False, sep=sep, index_col=False)
    except Exception as err:  # pandas raises a zoo of parser errors
        raise SourceError(f"{path}: not a readable CSV: {err}") from None
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise SourceError(f"{path}: missing column(s) {missing}; has {list(df.columns)}")
    return df


# ------------------------------------------------------------------------------------------ videos


def video_provenance(download_dir: Path | None) -> dict[str, dict]:
    """video id -> url, title, channel, uploader, license, upload_date from its download record."""
    out: dict[str, dict] = {}
    if download_dir is None or not Path(download_dir).is_dir():
        return out
    for f in sorted(Path(download_dir).glob(f"*{RECORD_SUFFIX}")):
        try:
            rec = VideoRecord.read(f)
        except ContractError as err:
            log.warning("provenance: %s", err)
            continue
        out[rec.video_id] = {
            "url": rec.webpage_url or rec.url,
            "title": rec.title,
            "channel": rec.channel,
            "uploader": rec.uploader or "",
            "license": rec.license or "",
            "upload_date": rec.upload_date or "",
        }
    return out


def _share_box(box, width: int, height: int) -> tuple[float, float, float, float] | None:
    if box is None or width <= 0 or height <= 0:
        return None
    x0, y0, x1, y1 = box
    return (round(x0 / width, 4), round(y0 / height, 4), round(x1 / width, 4), round(y1 / height, 4))


def video_rows(pairs_dir: Path, root: Path, download_dir: Path | None = None) -> Loaded:
    """The pairs stage's pairs as rows, each with its video's provenance (video_provenance)."""
    rows: list[Row] = []
    sk = _Skips(str(pairs_dir))
    prov = video_provenance(download_dir)
    for f in sorted(pairs_dir.glob("*.json")):
        try:
            pf = PairsFile.read(f)
        except ContractError as err:
            sk.add("unreadable pairs file", str(err))
            continue
        for p in pf.pairs:
            img = root / p.image_path
            if not img.exists():
                sk.add("missing image", f"{f.name}: {p.pair_id}: {p.image_path}")
                continue
            if not p.caption.strip():
                sk.add("empty caption", f"{f.name}: {p.pair_id}")
                continue
            rows.append(
                Row(
                    source="quilt_video",
                    source_kind="quilt_video",
                    pair_id=p.pair_id,
                    image=img,
                    origin=p.image_path,
                    caption=p.caption.strip(),
                    text_kind="sentence",
                    video_id=p.video_id,
                    subset="quilt",
                    pathology=list(p.pathology),
                    roi_text=p.roi_text,
                    med_text=p.med_text,
                    keywords=list(p.keywords),
                    noisy_text=p.noisy_text,
                    corrected_text=p.corrected_text,
                    med_umls_ids=list(p.med_umls_ids),
                    magnification=p.magnification,
                    start=p.start,
                    end=p.end,
                    aligner=p.aligner,
                    score=p.score,
                    source_image_id=p.image_id,
                    region=_share_box(p.region, p.width, p.height),
                    **prov.get(p.video_id, {}),
                )
            )
    return Loaded(rows, sk.counts)


def _time(r: dict, col: str, path: Path, line: int) -> float | None:
    v = _text(r.get(col))
    if not v:
        return None
    try:
        x = float(v)
    except ValueError:
        x = math.nan
    if not math.isfinite(x):
        raise SourceError(f"{path}: row {line}, column {col!r}: {v[:40]!r} is not a time in seconds")
    return x


def release_rows(release_dir: Path, root: Path) -> Loaded:
    """The release stage's rebuilt Quilt-1M rows: the lookup's captions and columns, the image
    under its release name, and the video's provenance (URL, title, channel, licence, time span)."""
    path = Path(release_dir) / RELEASE_ROWS_FILE
    if not path.is_file():
        return Loaded([])
    df = _read_csv(path, ["image_path", "filepath", "video_id", "caption"])
    sk = _Skips(str(path))
    rows = []
    for i, r in enumerate(df.to_dict("records"), start=2):
        found = sk.image_and_caption(i, r.get("filepath"), r.get("caption"), root, path.parent)
        if found is None:
            continue
        img, cap = found
        rows.append(
            Row(
                source="quilt_release",
                source_kind="quilt_release",
                pair_id=f"quilt_release-{i}",
                image=img,
                origin=_rel(img, root),
                caption=cap,
                text_kind="sentence",
                video_id=_text(r.get("video_id")),
                **lookup_fields(r),
                start=_time(r, "start", path, i),
                end=_time(r, "end", path, i),
                url=_text(r.get("url")),
                title=_text(r.get("title")),
                channel=_text(r.get("channel")),
                license=_text(r.get("license")),
                source_image_id=_text(r.get("image_path")),
            )
        )
    return Loaded(rows, sk.counts)


# ---------------------------------------------------------------------------------------- external


def openclip_csv_rows(spec: SourceSpec, root: Path) -> Loaded:
    df = _read_csv(spec.path, ["filepath", "title"])
    sk = _Skips(str(spec.path))
    rows = []
    for i, r in enumerate(df.itertuples(index=False), start=2):  # row 1 is the header
        found = sk.image_and_caption(i, r.filepath, r.title, root, spec.path.parent)
        if found is None:
            continue
        img, cap = found
        rows.append(
            Row(
                source=spec.raw,
                source_kind=spec.kind,
                pair_id=f"{spec.kind}-{spec.path.stem}-{i}",
                image=img,
                origin=_rel(img, root),
                caption=cap,
                subset=spec.path.stem,
            )
        )
    return Loaded(rows, sk.counts)


def quilt_lookup_rows(spec: SourceSpec, root: Path) -> Loaded:
    df = _read_csv(spec.path, ["caption", "image_path"])
    absent = [c for c in QUILT_LOOKUP_COLUMNS if c not in df.columns]
    if absent:
        log.info("%s: columns %s absent; left empty", spec.path, absent)
    images_root = spec.path.parent
    if "root" in spec.options:
        r = Path(spec.options["root"])
        images_root = r if r.is_absolute() else root / r
    sk = _Skips(str(spec.path))
    rows = []
    for i, r in enumerate(df.to_dict("records"), start=2):
        found = sk.image_and_caption(i, r.get("image_path"), r.get("caption"), images_root, spec.path.parent)
        if found is None:
            continue
        img, cap = found
        rows.append(
            Row(
                source=spec.raw,
                source_kind=spec.kind,
                pair_id=f"{spec.kind}-{spec.path.stem}-{i}",
                image=img,
                origin=_rel(img, root),
                caption=cap,
                **lookup_fields(r),
            )
        )
    return Loaded(rows, sk.counts)


def _files(path: Path, ext: str) -> list[Path]:
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise SourceError(f"{path}: not found")
    files = sorted(path.glob(f"*.{ext}"))
    if not files:
        raise SourceError(f"{path}: no *.{ext} files")
    return files


def img2dataset_parquet_rows(spec: SourceSpec, root: Path) -> Loaded:
    """img2dataset --output_format parquet: one row per sample with the encoded image in a column
    named after its format (jpg/png/webp), plus key, caption, url and status."""
    import pyarrow.parquet as pq

    sk = _Skips(str(spec.path))
    rows = []
    for f in _files(spec.path, "parquet"):
        try:
            pf = pq.ParquetFile(f)
        except Exception as err:  # pyarrow raises ArrowInvalid, OSError, ...
            raise SourceError(f"{f}: not a readable parquet file: {err}") from None
        cols = pf.schema_arrow.names
        img_col = next((c for c in IMAGE_EXTS if c in cols), None)
        if img_col is None or "caption" not in cols:
            raise SourceError(
                f"{f}: not an img2dataset parquet (need an image column {IMAGE_EXTS} and caption; has {cols})"
            )
        # batch by batch: an img2dataset shard holds thousands of encoded images
        batches = (r for b in pf.iter_batches(batch_size=512) for r in b.to_pylist())
        for i, r in enumerate(batches):
            key = _text(r.get("key")) or str(i)
            if r.get("status") not in (None, "success"):
                sk.add("download failed", f"{f.name}: {key}: {r.get('status')}")
                continue
            data, cap = r.get(img_col), _text(r.get("caption"))
            if not data:
                sk.add("no image bytes", f"{f.name}: {key}")
                continue
            if not cap:
                sk.add("empty caption", f"{f.name}: {key}")
                continue
            rows.append(
                Row(
                    source=spec.raw,
                    source_kind=spec.kind,
                    pair_id=f"{spec.kind}-{f.stem}-{key}",
                    image=bytes(data),
                    origin=f"{_rel(f, root)}:{key}",
                    caption=cap,
                    subset=spec.path.stem,
                    url=_text(r.get("url")),
                )
            )
    return Loaded(rows, sk.counts)


def img2dataset_wds_rows(spec: SourceSpec, root: Path) -> Loaded:
    """img2dataset --output_format webdataset: tars of <key>.<jpg|png|webp>, <key>.txt, <key>.json."""
    sk = _Skips(str(spec.path))
    rows = []
    for f in _files(spec.path, "tar"):
        samples: dict[str, dict] = {}
        try:
            with tarfile.open(f) as tar:
                for m in tar:
                    if not m.isfile():
                        continue  # links and devices are never read from an untrusted tar
                    name = Path(m.name).name
                    if "." not in name:
                        continue
                    key, ext = name.split(".", 1)
                    fh = tar.extractfile(m)
                    if fh is not None:
                        samples.setdefault(key, {})[ext.lower()] = fh.read()
        except TAR_READ_ERRORS as err:
            raise SourceError(f"{f}: not a readable tar: {err}") from None
        for key in sorted(samples):
            s = samples[key]
            img = next((s[e] for e in IMAGE_EXTS if e in s), None)
            cap = s.get("txt", b"").decode("utf-8", "replace").strip()
            meta = {}
            if "json" in s:
                try:
                    meta = json.loads(s["json"])
                except (json.JSONDecodeError, UnicodeDecodeError):
                    sk.add("bad json", f"{f.name}: {key}")
                if not isinstance(meta, dict):  # valid JSON, but a list or a number
                    sk.add("bad json", f"{f.name}: {key}")
                    meta = {}
            if meta.get("status") not in (None, "success"):
                sk.add("download failed", f"{f.name}: {key}")
                continue
            if img is None:
                sk.add("no image", f"{f.name}: {key}")
                continue
            if not cap:
                cap = _text(meta.get("caption"))
            if not cap:
                sk.add("empty caption", f"{f.name}: {key}")
                continue
            rows.append(
                Row(
                    source=spec.raw,
                    source_kind=spec.kind,
                    pair_id=f"{spec.kind}-{f.stem}-{key}",
                    image=img,
                    origin=f"{_rel(f, root)}:{key}",
                    caption=cap,
                    subset=spec.path.stem,
                    url=_text(meta.get("url")),
                )
            )
    return Loaded(rows, sk.counts)


READERS = {
    "openclip_csv": openclip_csv_rows,
    "quilt_lookup": quilt_lookup_rows,
    "img2dataset_parquet": img2dataset_parquet_rows,
    "img2dataset_wds": img2dataset_wds_rows,
}


def external_rows(spec_str: str, root: Path) -> Loaded:
    spec = parse_spec(spec_str, root)
    return READERS[spec.kind](spec, root)


def open_image_bytes(data: bytes):
    from PIL import Image

    img = Image.open(io.BytesIO(data))
    img.load()
    return img
