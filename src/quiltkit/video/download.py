"""Download lecture videos with yt-dlp's Python API, one record per video.

Each row of the video list becomes one `VideoRecord` (outputs/download/<vid>.record.json) with
status ok or failed and the reason. A video is "done" only when its record says ok and its file
is there, so a re-run retries exactly the failed and missing ones and leaves the rest alone.

Transient errors (HTTP 429, honouring Retry-After; 5xx; a connection cut or a body shorter than
its Content-Length) are retried here, with exponential backoff, in one place: yt-dlp's own
retry loops are turned off so the number of attempts and the waits are what params say.
"""

from __future__ import annotations

import csv
import email.utils
import hashlib
import io
import json
import logging
import math
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional
from urllib.parse import urlparse
from urllib.request import url2pathname

from quiltkit.config import DownloadParams
from quiltkit.contracts import RECORD_SUFFIX, VideoRecord
from quiltkit.io import write_json
from quiltkit.paths import safe_id

log = logging.getLogger(__name__)

MAX_RETRY_AFTER = 300.0  # a server asking for more than 5 minutes is treated as a failure for now
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
INFO_FIELDS = [
    "id",
    "title",
    "channel",
    "uploader",
    "license",
    "duration",
    "upload_date",
    "webpage_url",
    "extractor",
    "ext",
    "width",
    "height",
    "fps",
]


@dataclass
class VideoRow:
    video_id: str
    url: str  # as written in the list (recorded: a repo-relative path stays portable)
    title: str = ""
    channel: str = ""
    duration: Optional[float] = None
    fetch_url: str = ""  # what yt-dlp is given: url, or the file:// URI of a local path
    # What a site would say of a video and a local file cannot: a researcher's own lectures
    # name their uploader, licence and date in the list, and the dataset carries them.
    uploader: str = ""
    license: str = ""
    upload_date: str = ""  # YYYYMMDD, as yt-dlp writes it

    def __post_init__(self):
        self.fetch_url = self.fetch_url or self.url


def read_video_list(path: Path | str, root: Path | None = None, rejected: list[str] | None = None) -> list[VideoRow]:
    """The CSV video list: video_id,url[,title,channel,duration,uploader,license,upload_date]
    (upload_date as YYYYMMDD or YYYY-MM-DD; the optional columns are what the dataset records
    of a video yt-dlp cannot ask a site about, and win over it). A url that is neither http(s)
    nor file:// is taken as a path relative to the repository root and turned into a file://
    URI of its absolute path (yt-dlp only downloads local files through file URLs).

    A list without the video_id and url columns is unusable and always raises. A bad row (empty
    id or url, an id repeated or with no usable character, a non-numeric duration, extra fields
    from an unquoted comma, an unbalanced quote, a field past the csv size limit) raises too,
    unless `rejected` is given: then its message, "<path>:<line>: why", is appended there and the
    row skipped, so one bad line of a hand-edited list costs that line and not the whole stage."""
    path = Path(path)
    root = (root or Path.cwd()).resolve()
    if not path.exists():
        raise FileNotFoundError(f"{path}: video list not found")
    rows: list[VideoRow] = []
    seen: dict[str, int] = {}

    def bad(line: int, why: str) -> None:
        msg = f"{path}:{line}: {why}"
        if rejected is None:
            raise ValueError(msg)
        rejected.append(msg)

    try:  # a list saved as Latin-1 or cp1252 says so, naming the file, whatever `rejected` is
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start}); save the list as UTF-8") from None
    with io.StringIO(text, newline="") as fh:
        # strict: an unbalanced quote is an error, not a field that swallows the rest of the file
        reader = csv.DictReader(fh, strict=True)
        missing = {"video_id", "url"} - set(reader.fieldnames or [])
        if missing:
            raise ValueError(f"{path}: missing column(s) {sorted(missing)} (got {reader.fieldnames})")
        while True:
            line = reader.line_num + 1  # where this record starts
            try:
                r = next(reader)
            except StopIteration:
                break
            except csv.Error as err:
                hint = " (unbalanced quote?)" if "expected" in str(err) or "end of data" in str(err) else ""
                bad(line, f"unreadable row{hint}: {err}")
                continue
            if None in r:
                bad(
                    line, f"unexpected extra field(s) {[str(x)[:40] for x in r[None]]} (quote a title that has a comma)"
                )
                continue
            raw_id, url = (r.get("video_id") or "").strip(), (r.get("url") or "").strip()
            if not raw_id or not url:
                bad(line, "empty video_id or url")
                continue
            if _CONTROL.search(url):  # a NUL even crashes the path resolution below
                bad(line, f"url {url[:80]!r} holds a control character")
                continue
            try:
                vid = safe_id(raw_id)
            except ValueError as err:
                bad(line, str(err))
                continue
            if vid in seen:
                bad(line, f"video id {raw_id[:80]!r} repeats line {seen[vid]} (after sanitising: {vid!r})")
                continue
            dur = (r.get("duration") or "").strip()
            try:
                duration = float(dur) if dur else None
            except ValueError:
                duration = math.nan
            if duration is not None and not (math.isfinite(duration) and duration >= 0):  # "nan", "inf", "-5" parse too
                bad(line, f"duration {dur[:40]!r} is not a number (of seconds >= 0)")
                continue
            date = (r.get("upload_date") or "").strip().replace("-", "")
            if date and not (len(date) == 8 and date.isascii() and date.isdigit()):
                bad(line, f"upload_date {date[:40]!r} is not a date (YYYYMMDD or YYYY-MM-DD)")
                continue
            seen[vid] = line
            fetch = url
            if not url.lower().startswith(("http://", "https://", "file://")):
                p = Path(url)
                fetch = (p if p.is_absolute() else root / p).resolve().as_uri()
            rows.append(
                VideoRow(
                    vid,
                    url,
                    (r.get("title") or "").strip(),
                    (r.get("channel") or "").strip(),
                    duration,
                    fetch,
                    (r.get("uploader") or "").strip(),
                    (r.get("license") or "").strip(),
                    date,
                )
            )
    return rows


def video_keys(params: DownloadParams, root: Path | None = None) -> tuple[dict[str, str], list[Path]]:
    """Each listed video's key over its own inputs (quiltkit.resume): its row of the list and,
    for a local source, the file's content; and the paths those inputs live in (the list and
    the local sources), which the stage's fingerprint leaves to the keys. Reading the list is
    its validation too: a list the stage cannot use raises here, before any output is touched."""
    rows = read_video_list(params.video_list, root, rejected=[])
    keys: dict[str, str] = {}
    sources: list[Path] = [Path(params.video_list)]
    for r in rows:
        h = hashlib.sha256(
            json.dumps({k: v for k, v in r.__dict__.items() if k != "fetch_url"}, sort_keys=True).encode()
        )
        src = local_source_path(r.fetch_url)
        if src is not None:
            sources.append(src)
            if src.is_file():
                with open(src, "rb") as fh:
                    for block in iter(lambda: fh.read(1 << 20), b""):
                        h.update(block)
        keys[r.video_id] = h.hexdigest()
    return keys, sources


def local_source_path(fetch_url: str) -> Path | None:
    """The local file a file:// source names, else None (a remote URL)."""
    if not fetch_url.lower().startswith("file://"):
        return None
    return Path(url2pathname(urlparse(fetch_url).path))


def recorded_video_ids(out_dir: Path) -> list[str]:
    """The ids the download stage wrote a record for in out_dir, failed ones included."""
    return sorted(p.name[: -len(RECORD_SUFFIX)] for p in Path(out_dir).glob(f"*{RECORD_SUFFIX}"))


def local_source_problem(fetch_url: str) -> str | None:
    """For a file:// source, why it cannot be downloaded (missing, not a file, empty), else None.
    yt-dlp reports these as a connection error or "Did not get any data blocks", neither naming
    the file, and the first would even be retried as transient."""
    src = local_source_path(fetch_url)
    if src is None:
        return None
    if not src.exists():
        return f"{src}: source file not found"
    if not src.is_file():
        return f"{src}: source is not a file"
    if src.stat().st_size == 0:
        return f"{src}: empty file (0 bytes)"
    return None


class _YdlLogger:
    def __init__(self, vid: str):
        self.vid = vid

    def debug(self, msg):  # yt-dlp routes its info lines through debug too
        pass

    def info(self, msg):
        pass

    def warning(self, msg):
        log.warning("%s: yt-dlp: %s", self.vid, msg)

    def error(self, msg):
        log.debug("%s: yt-dlp: %s", self.vid, msg)


def ydl_options(params: DownloadParams, out_dir: Path, vid: str, local: bool = False) -> dict:
    from yt_dlp.utils import parse_bytes

    opts = {
        "format": params.format,
        "outtmpl": {"default": str(out_dir / f"{vid}.%(ext)s")},
        "restrictfilenames": True,
        "noplaylist": True,
        "quiet": True,
        "noprogress": True,
        "logger": _YdlLogger(vid),
        "socket_timeout": params.socket_timeout,
        "enable_file_urls": params.allow_file_urls,
        # our loop below owns retries and backoff
        "retries": 0,
        "fragment_retries": 0,
        "extractor_retries": 0,
        "file_access_retries": 0,
        "continuedl": False,
        "overwrites": True,
        "writesubtitles": params.subtitles,
        "subtitleslangs": ["en", "en-.*"] if params.subtitles else [],
        "subtitlesformat": "vtt/srt/best",
    }
    if local:
        # Only the generic extractor reads file:// URLs, and yt-dlp tries it last, after testing
        # the URL against ~1,800 site patterns: half of a local copy's CPU time.
        opts["allowed_extractors"] = ["generic"]
    if params.rate_limit:
        rate = parse_bytes(params.rate_limit)
        if rate is None:
            raise ValueError(f"download.rate_limit: {params.rate_limit!r} is not a byte rate like '2M'")
        opts["ratelimit"] = rate
    if params.cookies_file:
        if not Path(params.cookies_file).is_file():
            raise FileNotFoundError(f"download.cookies_file: {params.cookies_file} not found")
        opts["cookiefile"] = params.cookies_file
    return opts


def _causes(exc: BaseException):
    seen = set()
    stack = [exc]
    while stack:
        e = stack.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        exc_info = getattr(e, "exc_info", None)
        if isinstance(exc_info, tuple) and len(exc_info) > 1:
            stack.append(exc_info[1])
        stack += [getattr(e, "cause", None), e.__cause__, e.__context__]


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        dt = email.utils.parsedate_to_datetime(value)
        return max(0.0, dt.timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def classify_error(exc: BaseException) -> tuple[bool, float | None, str]:
    """(transient?, server-requested wait or None, short reason)."""
    from yt_dlp.networking.exceptions import HTTPError, TransportError
    from yt_dlp.utils import ContentTooShortError

    for e in _causes(exc):
        if isinstance(e, HTTPError):
            status = e.status
            if status == 429:
                return True, _retry_after(e.response.headers.get("Retry-After")), "HTTP 429 Too Many Requests"
            if 500 <= status < 600:
                return True, None, f"HTTP {status}"
            return False, None, f"HTTP {status} {e.reason or ''}".strip()
        if isinstance(e, ContentTooShortError):
            return True, None, f"incomplete download: got {e.downloaded} of {e.expected} bytes"
        if isinstance(e, (TransportError, ConnectionError, TimeoutError)):
            return True, None, f"connection error: {e}"
    # yt-dlp's HTTP downloader reports a short body through its logger, not as a chained
    # exception, so the last resort is its message.
    msg = " ".join(str(exc).replace("ERROR: ", "").replace("\r", " ").split())
    low = msg.lower()
    if any(k in low for k in _TRANSIENT_MESSAGES):
        return True, None, f"transient: {msg[:300]}"
    return False, None, msg[:300]


_TRANSIENT_MESSAGES = (
    "more expected",
    "content too short",
    "connection reset",
    "connection aborted",
    "remote end closed",
    "timed out",
    "incomplete read",
    "temporarily unavailable",
)


def _probe_ok(path: Path, source: str) -> str | None:
    """Why the downloaded file is not a video, said of the user's source (`source`, the list's
    url), not of our copy under outputs/download, and without FFmpeg's errno numbers."""
    from quiltkit.video.decode import VideoInputError, probe

    try:
        probe(path)
    except VideoInputError as err:
        return f"{source}: {_user_reason(str(err), path)}"
    return None


def _user_reason(message: str, path: Path) -> str:
    for name in (str(path), path.name):
        message = message.replace(f"{name}: ", "", 1).replace(f": '{name}'", "")
    return re.sub(r"\[Errno -?\d+\]\s*", "", message).strip()


def is_done(out_dir: Path, vid: str) -> bool:
    rec = out_dir / f"{vid}{RECORD_SUFFIX}"
    if not rec.exists():
        return False
    try:
        r = VideoRecord.read(rec)
    except Exception:
        return False
    return (
        r.status == "ok"
        and r.video_path is not None
        and (out_dir / r.video_path).exists()
        and (r.audio_path is None or (out_dir / r.audio_path).exists())
    )


def _split(vid: str, video: Path) -> tuple[Path, Path | None]:
    """The download split into a video-only and an audio-only file (see video/streams.py), the
    muxed one then removed. A file that will not split is kept whole: both stages can still
    read it, only twice."""
    from quiltkit.video.streams import StreamSplitError, split_streams

    try:
        parts = split_streams(video)
    except StreamSplitError as err:
        log.warning("%s: kept the muxed file: %s", vid, err)
        return video, None
    video.unlink()
    return parts.video, parts.audio


def download_video(row: VideoRow, params: DownloadParams, out_dir: Path, sleep=time.sleep) -> VideoRecord:
    """Download one video with retries; always returns (and writes) its record."""
    import yt_dlp

    out_dir.mkdir(parents=True, exist_ok=True)
    vid = row.video_id
    rec = VideoRecord(
        video_id=vid, url=row.url, status="failed", title=row.title, channel=row.channel, duration=row.duration
    )
    info = None
    # a local source that is missing or empty fails here, named, with no attempt to retry
    rec.error = local_source_problem(row.fetch_url)
    for attempt in range(0 if rec.error else params.retries + 1):
        rec.attempts = attempt + 1
        try:
            with yt_dlp.YoutubeDL(
                ydl_options(params, out_dir, vid, local=row.fetch_url.lower().startswith("file://"))
            ) as ydl:
                info = ydl.sanitize_info(ydl.extract_info(row.fetch_url, download=True))
            break
        except (yt_dlp.utils.DownloadError, yt_dlp.utils.YoutubeDLError, OSError) as exc:
            transient, wait, reason = classify_error(exc)
            rec.error = f"attempt {attempt + 1}: {reason}"
            if not transient or attempt == params.retries:
                break
            if wait is not None and wait > MAX_RETRY_AFTER:
                rec.error += f" (server asked to wait {wait:.0f}s > {MAX_RETRY_AFTER:.0f}s)"
                break
            delay = wait if wait is not None else params.backoff_seconds * (2**attempt)
            log.info("%s: %s; retrying in %.1fs", vid, reason, delay)
            sleep(delay)
    if info is not None:
        files = [Path(d["filepath"]) for d in info.get("requested_downloads") or [] if d.get("filepath")]
        video = files[0] if files else None
        problem = (
            "yt-dlp reported no downloaded file" if video is None or not video.exists() else _probe_ok(video, row.url)
        )
        if problem:
            rec.error = problem
        else:
            rec.status, rec.error = "ok", None
            audio = None
            if params.split_streams:
                video, audio = _split(vid, video)
            rec.video_path = video.name
            rec.audio_path = audio.name if audio else None
            # The list's title/channel win: for direct file URLs yt-dlp only knows the file name.
            rec.title = row.title or info.get("title") or ""
            rec.channel = row.channel or info.get("channel") or ""
            rec.uploader = row.uploader or info.get("uploader") or ""
            rec.license = row.license or info.get("license")
            rec.duration = info.get("duration") or rec.duration
            local = row.fetch_url.lower().startswith("file://")
            # For a local file yt-dlp's "upload date" is the file's mtime: not a fact worth keeping.
            rec.upload_date = row.upload_date or (None if local else info.get("upload_date"))
            rec.webpage_url = row.url if local else (info.get("webpage_url") or row.url)
            subs = info.get("requested_subtitles") or {}
            rec.subtitle_paths = sorted(
                Path(s["filepath"]).name for s in subs.values() if s.get("filepath") and Path(s["filepath"]).exists()
            )
            # A slim info JSON: yt-dlp's full one can carry request headers and cookies.
            slim = {k: info.get(k) for k in INFO_FIELDS}
            slim.update(
                {
                    "title": rec.title,
                    "channel": rec.channel,
                    "duration": rec.duration,
                    "upload_date": rec.upload_date,
                    "webpage_url": rec.webpage_url,
                    "source_url": row.url,
                }
            )
            write_json(out_dir / f"{vid}.info.json", slim)
            rec.info_path = f"{vid}.info.json"
    if rec.status != "ok":
        for p in out_dir.glob(f"{vid}.*"):  # no half file may pass for a download later
            if p.suffix not in (".json",) and p.is_file():
                p.unlink()
        log.warning("%s: download failed: %s", vid, rec.error)
    rec.write(out_dir / f"{vid}{RECORD_SUFFIX}")
    return rec


def import_yt_dlp() -> None:
    import yt_dlp  # noqa: F401


def download_task(task) -> dict:
    row = VideoRow(**task.args["row"])
    params = DownloadParams(**task.args["params"])
    rec = download_video(row, params, Path(task.args["out_dir"]))
    return {"status": rec.status, "error": rec.error, "attempts": rec.attempts}
