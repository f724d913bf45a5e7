"""Find candidate lecture videos: search queries, channels, playlists -> a video list CSV.

yt-dlp's flat extraction (`extract_flat`) lists a search result page, channel or playlist
without resolving each video, which is fast and polite: one request per page instead of one
per video. Entries are then filtered on what the listing tells: duration, language (when
given) and keywords in the title and description. The output has the columns the download
stage reads (video_id,url,title,channel,duration) plus the source it came from.

    PYTHONPATH=src python -m quiltkit.video.discovery            # sources from params.yaml
    PYTHONPATH=src python -m quiltkit.video.discovery "ytsearch20:renal pathology lecture"
"""

from __future__ import annotations

import argparse
import csv
import io
import logging
from pathlib import Path

from quiltkit.config import DiscoveryParams
from quiltkit.io import atomic_write_text
from quiltkit.paths import safe_id

log = logging.getLogger(__name__)

COLUMNS = ["video_id", "url", "title", "channel", "duration", "source", "reason"]


def list_source(source: str, limit: int, allow_file_urls: bool = True) -> list[dict]:
    """Flat entries of one search / channel / playlist / feed (may raise yt-dlp errors)."""
    import yt_dlp

    opts = {
        "extract_flat": "in_playlist",
        "skip_download": True,
        "quiet": True,
        "noprogress": True,
        "playlistend": limit,
        "enable_file_urls": allow_file_urls,
        "logger": logging.getLogger("yt_dlp"),
    }
    with yt_dlp.YoutubeDL(opts) as ydl:
        info = ydl.sanitize_info(ydl.extract_info(source, download=False))
    entries = info.get("entries") if info.get("_type") in ("playlist", "multi_video") else [info]
    return [e for e in (entries or []) if e][:limit]


def judge(entry: dict, p: DiscoveryParams) -> str | None:
    """None to keep the entry, else the reason it is dropped."""
    dur = entry.get("duration")
    if dur is None:
        if not p.keep_unknown_duration:
            return "unknown duration"
    elif not p.min_duration <= float(dur) <= p.max_duration:
        return f"duration {float(dur):.0f}s outside [{p.min_duration:.0f}, {p.max_duration:.0f}]"
    lang = entry.get("language")
    if lang and p.languages and not any(str(lang).lower().startswith(x.lower()) for x in p.languages):
        return f"language {lang}"
    text = f"{entry.get('title') or ''} {entry.get('description') or ''}".lower()
    bad = [k for k in p.exclude_keywords if k.lower() in text]
    if bad:
        return f"excluded keyword {bad[0]!r}"
    if p.include_keywords and not any(k.lower() in text for k in p.include_keywords):
        return "no topic keyword"
    return None


def discover(p: DiscoveryParams, sources: list[str] | None = None) -> tuple[list[dict], list[dict]]:
    """(kept rows, dropped rows with their reason). A failing source is logged and skipped."""
    from yt_dlp.utils import unsmuggle_url

    kept, dropped, seen = [], [], set()
    for src in sources if sources is not None else p.sources:
        try:
            entries = list_source(src, p.max_entries_per_source)
        except Exception as err:  # one dead channel must not sink the rest
            log.warning("discovery: %s: %s", src, str(err).splitlines()[0][:200])
            continue
        for e in entries:
            url = e.get("webpage_url") or e.get("url")
            if not url:
                continue
            # feeds hand over "smuggled" URLs carrying the entry's id in the fragment
            url, smuggled = unsmuggle_url(url, {})
            raw_id = e.get("id") or smuggled.get("force_videoid") or url
            try:
                vid = safe_id(raw_id)
            except ValueError:
                vid = safe_id(url)
            if vid in seen:
                continue
            seen.add(vid)
            row = {
                "video_id": vid,
                "url": url,
                "title": (e.get("title") or "").strip(),
                "channel": e.get("channel") or e.get("uploader") or "",
                "duration": "" if e.get("duration") is None else f"{float(e['duration']):.3f}",
                "source": src,
            }
            reason = judge(e, p)
            (dropped if reason else kept).append({**row, "reason": reason or ""})
    return kept, dropped


def write_csv(rows: list[dict], path: Path | str) -> None:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS)
    w.writeheader()
    w.writerows(rows)
    atomic_write_text(Path(path), buf.getvalue())


def main(argv: list[str] | None = None) -> None:
    from quiltkit.config import load_params

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sources", nargs="*", help="override download.discovery.sources")
    ap.add_argument("--params", default="params.yaml")
    a = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    p = load_params(a.params).download.discovery
    kept, dropped = discover(p, a.sources or None)
    write_csv(kept, p.out)
    write_csv(dropped, Path(p.out).with_name(Path(p.out).stem + ".dropped.csv"))
    log.info("discovery: %d candidates kept, %d dropped -> %s", len(kept), len(dropped), p.out)


if __name__ == "__main__":
    main()
