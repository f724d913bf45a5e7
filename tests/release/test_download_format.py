"""release.download.format picks the picture alone, as small as 720p allows (yt-dlp's own
selector over a YouTube-like format list; no network)."""

import yt_dlp

from quiltkit.config import ReleaseDownloadParams

FORMATS = [
    {"format_id": "140", "ext": "m4a", "vcodec": "none", "acodec": "mp4a.40.2", "abr": 128, "tbr": 128},
    {"format_id": "18", "ext": "mp4", "vcodec": "avc1", "acodec": "mp4a.40.2", "height": 360, "width": 640, "tbr": 600},
    {"format_id": "134", "ext": "mp4", "vcodec": "avc1", "acodec": "none", "height": 360, "width": 640, "tbr": 300},
    {"format_id": "136", "ext": "mp4", "vcodec": "avc1", "acodec": "none", "height": 720, "width": 1280, "tbr": 1200},
    {"format_id": "247", "ext": "webm", "vcodec": "vp9", "acodec": "none", "height": 720, "width": 1280, "tbr": 900},
    {"format_id": "137", "ext": "mp4", "vcodec": "avc1", "acodec": "none", "height": 1080, "width": 1920, "tbr": 2500},
]


def _pick(formats):
    with yt_dlp.YoutubeDL({"quiet": True}) as ydl:
        sel = ydl.build_format_selector(ReleaseDownloadParams().format)
        info = {"id": "x", "formats": [dict(f, url=f"https://example.invalid/{f['format_id']}") for f in formats]}
        return [
            f["format_id"]
            for f in sel({"formats": info["formats"], "incomplete_formats": False, "has_merged_format": False})
        ]


def test_smallest_720p_video_only_mp4():
    assert _pick(FORMATS) == ["136"]


def test_below_720p_the_best_video_only_then_muxed():
    assert _pick([f for f in FORMATS if f.get("height", 0) < 720]) == ["134"]
    assert _pick([FORMATS[1]]) == ["18"]
