"""The release stage over videos: per-video status, resume, and keys that change one video at a time."""

import csv
import json

from quiltkit.config import Params, ReleaseParams
from quiltkit.execution.context import Execution
from quiltkit.release.stage_run import Release, gone_status, rebuild_videos
from tests.release.conftest import write_release


def test_gone_status_from_yt_dlp_wording():
    assert gone_status("ERROR: [youtube] abc: Private video. Sign in if you've been granted access") == "private"
    assert (
        gone_status("ERROR: [youtube] abc: Video unavailable. This video has been removed by the uploader") == "removed"
    )
    assert gone_status("ERROR: [youtube] abc: Video unavailable") == "unavailable"
    assert gone_status("/x/y.mp4: source file not found") == "unavailable"
    assert gone_status("attempt 4: HTTP 503") == "failed" and gone_status(None) == "failed"


def _rebuild(params, out, root):
    """The release stage's rebuild of every listed video, as run_release calls it."""
    ex = Execution.of(params.project, root=root)
    return rebuild_videos(params.release, params.frames.histology, out, Release(params.release, root), ex)


def test_a_second_run_reuses_every_video_and_rows_carry_provenance(tmp_path, lecture_video):
    d = write_release(tmp_path / "rel", lecture_video)
    params = Params(release=ReleaseParams(dir=str(d), reference_dir=None), project={"workers": 1})
    out = tmp_path / "out"
    m1, w1 = _rebuild(params, out, tmp_path)
    assert m1["videos_processed"] == 1 and w1["images"] == 3 and m1["rebuilt"] == 3
    assert not (out / "lec.video").exists()  # keep_videos false: the download is gone once used
    rec = json.loads((out / "lec.json").read_text())
    assert rec["url"] == str(lecture_video) and rec["title"] == "A lecture" and rec["license"] == "CC-BY-4.0"
    with open(out / "rows.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["image_path"] for r in rows] == ["lec_a.jpg", "lec_b.jpg", "lec_c.jpg"]
    assert rows[0]["caption"] == "caption of lec_a.jpg" and rows[0]["start"] == "2.5" and rows[0]["end"] == "6.5"
    assert rows[2]["method"] == "keyframe" and rows[0]["channel"] == "a channel"
    m2, w2 = _rebuild(params, out, tmp_path)
    assert m2["videos_reused"] == 1 and w2["images"] == 0 and m2["rebuilt"] == 3


def test_a_video_key_covers_its_own_rows_only(tmp_path, lecture_video):
    d = write_release(tmp_path / "rel", lecture_video)
    with open(d / "quilt_data.csv", "a") as fh:
        fh.write("other,0,other_a.jpg,10.0,180,320,10.0,True,[]\n")
    with open(d / "quilt_recon.csv", "a") as fh:
        fh.write('other,"[0.0, 2.0]","[0, 1]","[]"\n')
    p = ReleaseParams(dir=str(d))
    before = Release(p, tmp_path)
    keys = {v: before.key(v) for v in before.video_ids}
    text = (d / "quilt_data.csv").read_text().replace("other_a.jpg", "other_b.jpg")
    (d / "quilt_data.csv").write_text(text)
    after = Release(p, tmp_path)
    assert after.key("lec") == keys["lec"] and after.key("other") != keys["other"]
    assert Release(ReleaseParams(dir=str(d), videos=["other"]), tmp_path).video_ids == ["other"]
