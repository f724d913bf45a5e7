"""Discovery through yt-dlp's real flat extraction, on a local RSS feed (no site is reachable
here; a feed is one of the playlist kinds the generic extractor lists)."""

import csv

from quiltkit.config import DiscoveryParams
from quiltkit.video.discovery import discover, write_csv
from quiltkit.video.download import read_video_list

FEED = """<?xml version="1.0"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel><title>Path lectures</title>
<item><title>Renal histology lecture</title><guid>vid1</guid><link>https://example.org/v/1.mp4</link><itunes:duration>00:20:00</itunes:duration></item>
<item><title>Cooking pasta</title><guid>vid2</guid><link>https://example.org/v/2.mp4</link><itunes:duration>00:10:00</itunes:duration></item>
<item><title>Pathology in 30 seconds #shorts</title><guid>vid3</guid><link>https://example.org/v/3.mp4</link><itunes:duration>30</itunes:duration></item>
<item><title>Liver biopsy slides, part 2</title><guid>vid4</guid><link>https://example.org/v/4.mp4</link></item>
</channel></rss>
"""


def test_discover_filters_a_feed(tmp_path):
    feed = tmp_path / "feed.xml"
    feed.write_text(FEED)
    p = DiscoveryParams(min_duration=60)
    kept, dropped = discover(p, [feed.as_uri(), (tmp_path / "missing.xml").as_uri()])
    assert [r["title"] for r in kept] == ["Renal histology lecture", "Liver biopsy slides, part 2"]
    assert kept[0]["duration"] == "1200.000" and kept[1]["duration"] == ""
    assert [(r["video_id"], r["url"]) for r in kept] == [
        ("vid1", "https://example.org/v/1.mp4"),
        ("vid4", "https://example.org/v/4.mp4"),
    ]
    reasons = {r["title"]: r["reason"] for r in dropped}
    assert reasons["Cooking pasta"] == "no topic keyword"
    assert reasons["Pathology in 30 seconds #shorts"].startswith("duration 30s")
    # strict duration policy drops the entry without one
    kept2, _ = discover(DiscoveryParams(keep_unknown_duration=False), [feed.as_uri()])
    assert [r["title"] for r in kept2] == ["Renal histology lecture"]
    # the candidate list is a valid download video list
    out = tmp_path / "c.csv"
    write_csv(kept, out)
    rows = read_video_list(out)
    assert [r.url for r in rows] == [k["url"] for k in kept]
    assert list(csv.DictReader(out.open()))[0]["source"] == feed.as_uri()
