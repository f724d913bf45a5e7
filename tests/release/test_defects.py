"""The release script's defects (docs/RELEASE_DEFECTS.md), one test each.

Each test states the property a correct rebuild has, checks quiltkit has it, and checks that the
release script's behaviour, restated here in a line or two of its own arithmetic, does not.
The restatements are models of data/main.py and data/data_utils.py in wisdomikezogwo/quilt1m,
not its code.
"""

from __future__ import annotations

import shutil

import cv2
import numpy as np
import pytest
from skimage.metrics import structural_similarity

from quiltkit.config import Params, ReleaseParams
from quiltkit.execution.context import Execution
from quiltkit.release.chunking import release_chunks
from quiltkit.release.files import ReleaseError, VideoRecon, parse_stable_times, read_data, read_recon
from quiltkit.release.rebuild import (
    FALLBACK_SIDE,
    NOT_STABLE,
    PAST_END,
    _ssim_rgb,
    crop_rng,
    plan_chunk,
    rebuild_video,
    stable_frames,
)
from quiltkit.release.stage_run import Release, rebuild_videos
from quiltkit.video.stable import random_crop
from tests.release.conftest import FPS, PICTURES, SECONDS, STABLE, TIMES, H, W, write_release

STABLE_3 = [[[2.5, 6.5], [7.5, 10.5], [11.5, 15.5]], [[18.5, 20.0]], [[30.0, 34.0], [40.0, 44.0]]]


def test_d1_stable_times_indexed_by_chunk_twice():
    """D1: stable_times[chunk_id][chunk_id][0] takes the chunk_id-th interval's start of the
    chunk's list, not the chunk's intervals: a float where a list of intervals belongs ("cannot
    unpack non-iterable ..."), or an IndexError once a chunk has fewer intervals than its id."""
    st = parse_stable_times(repr(STABLE_3))
    recon = VideoRecon("v", [], [], st)
    p = ReleaseParams(min_stable_seconds=0.0)
    ours = [plan_chunk(c, recon, [[0.0]] * 3, p).intervals for c in range(3)]
    assert ours == st
    legacy = []
    for c in range(3):
        try:
            legacy.append(STABLE_3[c][c][0])
        except IndexError:
            legacy.append(IndexError)
    assert legacy == [2.5, IndexError, IndexError]  # chunk 0 gets a float; the others crash
    with pytest.raises(TypeError):
        for _a, _b in legacy[0]:  # what save_frame_chunks_recon then does with it
            pass


def _recon_names(tmp_path, video):
    d = write_release(tmp_path / "rel", video)
    return read_recon(d / "quilt_recon.csv")["lec"], read_data(d / "quilt_data.csv")["lec"]


def test_d2_an_image_that_cannot_be_made_shifts_every_later_name(tmp_path, lecture_video):
    """D2: the script maps the n-th name of a chunk to the n-th entry of a list it compacted
    first (an interval under 3 s adds nothing, an empty one a None that is then skipped, a
    re-screen reject is dropped), so one image that cannot be made hands its name to the next
    image and every later name moves along. quiltkit fixes each name's slot from the metadata."""
    recon, names = _recon_names(tmp_path, lecture_video)
    rec = rebuild_video("lec", lecture_video, recon, names, ReleaseParams(), 7, tmp_path / "img", tmp_path)
    chunk0 = [im for im in rec.images if im.chunk_id == 0]
    assert [im.image_path for im in chunk0] == ["lec_a.jpg", "lec_noise.jpg", "lec_b.jpg"]
    assert chunk0[1].reason == NOT_STABLE
    got_b = cv2.cvtColor(cv2.imread(str(tmp_path / chunk0[2].path)), cv2.COLOR_BGR2RGB)
    assert np.abs(got_b.astype(float) - PICTURES["B"]).mean() < 3
    # the script's mapping: made images compacted, then zipped with the names
    made = [im for im in chunk0 if im.status == "ok"]
    legacy = dict(zip([im.image_path for im in chunk0], [im.image_path for im in made]))
    assert legacy["lec_noise.jpg"] == "lec_b.jpg"  # the noise name would carry picture B


def test_d3_crops_unseeded_and_from_the_top_left_quarter():
    """D3: crops come from np.random.randint(int(w / 2) - 64), unseeded: every run differs, and
    a crop never reaches past the middle of the frame, so a pointer or caption in the other three
    quarters never breaks a stable run. quiltkit's crops are seeded and cover the frame."""
    w, h, c = 640, 360, 64
    ours = [random_crop(crop_rng(1337, "v", 0, 0), h, w, c) for _ in range(1)]
    rng = crop_rng(1337, "v", 0, 0)
    pos = np.array([random_crop(rng, h, w, c)[:2] for _ in range(2000)])
    assert pos[:, 1].max() + c > 0.9 * w and pos[:, 0].max() + c > 0.9 * h  # reaches the far corner
    assert random_crop(crop_rng(1337, "v", 0, 0), h, w, c) == ours[0]  # same seed, same crop
    legacy_x_max = int(w / 2) - 64 - 1 + c  # randint's upper bound is exclusive
    assert legacy_x_max < w / 2


def test_d4_reading_past_the_end_of_the_video(tmp_path, lecture_video):
    """D4: the script reads int((end - start) * fps) frames from the interval's start and calls
    frame.any() on each; past the end of the download, read() returns None and the run dies with
    AttributeError. A re-encoded YouTube video is often a few frames shorter than at curation."""
    cap = cv2.VideoCapture(str(lecture_video))
    cap.set(cv2.CAP_PROP_POS_FRAMES, SECONDS * FPS - 2)
    frames = [cap.read()[1] for _ in range(5)]
    assert frames[-1] is None  # what the script would call .any() on
    recon, names = _recon_names(tmp_path, lecture_video)
    recon.stable_times = [[(2.5, 6.5), (22.5, 30.0), (25.0, 28.0)], recon.stable_times[1]]
    rec = rebuild_video("lec", lecture_video, recon, names, ReleaseParams(), 7, tmp_path / "img", tmp_path)
    reasons = [im.reason for im in rec.images]
    assert (
        reasons[0] is None and reasons[1] is None and reasons[2] == PAST_END
    )  # clipped at the end; wholly past it: named
    assert rec.images[1].n_frames >= 2


def test_d5_file_flags_ignored(tmp_path, lecture_video):
    """D5: --data_csv and --recon_csv are parsed and never used (the script opens quilt_recon.csv
    and quilt_data.csv by name; the flags' own defaults, data_df.csv and recon_df.csv, exist
    nowhere). quiltkit reads the files params name, and a missing one is an error naming it."""
    d = write_release(tmp_path / "rel", lecture_video)
    shutil.move(d / "quilt_data.csv", d / "my_data.csv")
    shutil.move(d / "quilt_recon.csv", d / "my_recon.csv")
    p = ReleaseParams(dir=str(d), data_csv="my_data.csv", recon_csv="my_recon.csv")
    assert Release(p, tmp_path).video_ids == ["lec"]
    with pytest.raises(ReleaseError, match=r"rel/quilt_recon.csv: not found"):
        Release(ReleaseParams(dir=str(d)), tmp_path)


def test_d6_median_of_no_stable_frame(tmp_path, lecture_video):
    """D6: when no frame pair of a >= 3 s interval passes the SSIM check, the script takes the
    median of an empty list: NaN, cast to uint8, saved as an image. quiltkit names it missing."""
    rng = np.random.default_rng(0)
    noise = [rng.integers(0, 256, (64, 64, 3)).astype(np.uint8) for _ in range(5)]
    assert stable_frames(noise, crop_rng(0, "v", 0, 0), 32, 0.98) == []
    with pytest.warns(RuntimeWarning):
        assert np.isnan(np.median(np.array([]), axis=0)).all()
    recon, names = _recon_names(tmp_path, lecture_video)
    rebuild_video("lec", lecture_video, recon, names, ReleaseParams(), 7, tmp_path / "img", tmp_path)
    assert not (tmp_path / "img" / "lec_noise.jpg").exists()


def test_d7_ssim_call_removed_from_scikit_image():
    """D7: the fallback's SSIM call passes only multichannel=True, which scikit-image removed
    (deprecated in 0.19): the 0.26 installed here ignores it, takes the colour axis for a third
    spatial one and raises ValueError, so any chunk without a stable interval ends the run.
    quiltkit's colour SSIM is scikit-image's channel_axis=2 figure."""
    rng = np.random.default_rng(3)
    a = rng.integers(0, 256, (64, 64, 3)).astype(np.uint8)
    b = np.clip(a.astype(int) + rng.integers(-9, 10, a.shape), 0, 255).astype(np.uint8)
    with pytest.raises(ValueError, match="win_size exceeds image extent"):
        structural_similarity(a, b, multichannel=True)
    assert _ssim_rgb(a, b) == pytest.approx(structural_similarity(a, b, channel_axis=2, data_range=255), abs=1e-9)
    assert FALLBACK_SIDE == 512


def test_d8_a_missing_video_stops_the_whole_run(tmp_path, lecture_video):
    """D8: videos are found by globbing videos/*/*.mp4 (its README documents
    videos/<channel>/<video>/<video>.mp4, one level deeper, which the glob never finds) and
    looked up with video_paths_dict[vid]: one video not downloaded is a KeyError that ends the
    run. quiltkit downloads each listed video itself and records a gone one with its cost."""
    layout = tmp_path / "quilt" / "videos" / "channel" / "lec"
    layout.mkdir(parents=True)
    shutil.copy(lecture_video, layout / "lec.mp4")
    assert list((tmp_path / "quilt" / "videos").glob("*/*.mp4")) == []  # the script's glob on its documented layout
    d = write_release(tmp_path / "rel", lecture_video)
    with open(d / "video_list.csv", "a") as fh:
        fh.write(f"gone,{tmp_path / 'gone.mp4'},Taken down,a channel,\n")
    with open(d / "quilt_recon.csv", "a") as fh:
        fh.write(f'gone,"{TIMES}","[0, 1, 1, 1, 0, 1, 0]","{STABLE}"\n')
    with open(d / "quilt_data.csv", "a") as fh:
        fh.write(f"gone,0,gone_a.jpg,10.0,{H},{W},10.0,True,[]\n")
    with open(d / "quilt_1M_lookup.csv", "a") as fh:
        fh.write(
            f"one caption,gone_a.jpg,quilt,train,[],,,,[],,{H},{W}\nanother,gone_a.jpg,quilt,train,[],,,,[],,{H},{W}\n"
        )
    params = Params(release=ReleaseParams(dir=str(d), reference_dir=None), project={"workers": 1})
    m, _ = rebuild_videos(
        params.release,
        params.frames.histology,
        tmp_path / "out",
        Release(params.release, tmp_path),
        Execution.of(params.project, root=tmp_path),
    )
    assert m["videos_gone"] == {"unavailable": 1}
    assert m["rows_lost"] == {
        "video unavailable": 2,
        NOT_STABLE: 1,
    }  # the gone video's two captions; the noise interval's one
    assert m["rebuilt"] == 3 and m["rows_rebuilt"] == 3
    assert release_chunks(TIMES, [bool(x) for x in [0, 1, 1, 1, 0, 1, 0]], 10.0)  # the gone video's metadata was fine
