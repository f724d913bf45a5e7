import random

import cv2
import numpy as np
import pytest

from quiltkit.contracts import FrameAnalysis
from quiltkit.scoring.scenes import scene_boundary_f1
from quiltkit.video.frames import analyse_video
from quiltkit.video.histology import StainModel
from tests.video.exhaustive import frames, scenes, stable
from tests.video.synth import SHOTS, lecture_frames, shot_boundaries, slide, tissue, write_audio_only, write_video


def _run(path, tmp_path, model, params=None, vid="v"):
    return analyse_video(
        vid,
        path,
        tmp_path / f"{vid}.json",
        tmp_path / vid,
        f"out/{vid}",
        params or frames(),
        StainModel.load(model),
    )


# every frame; the 8 looks per second of params.yaml; those looks taken from reference frames only
LOOKS = pytest.mark.parametrize("detect_fps,reference_only", [(0.0, False), (8.0, False), (8.0, True)])


@LOOKS
def test_lecture_scenes_keyframes_and_images(request, tmp_path, stain_model, detect_fps, reference_only):
    video = request.getfixturevalue("lecture_bframes_mp4" if reference_only else "lecture_mp4")
    params = frames(scenes=scenes(detect_fps=detect_fps), decode_reference_only=reference_only)
    fa = _run(video, tmp_path, stain_model, params)
    assert fa.status == "ok" and FrameAnalysis.read(tmp_path / "v.json") == fa
    cuts = [s.start for s in fa.scenes[1:]]
    assert scene_boundary_f1(cuts, shot_boundaries(SHOTS), tol=0.5)["f1"] == 1.0
    assert [k.is_histology for k in fa.keyframes] == [False, True, True, False, True]
    assert abs(fa.histology_share - 0.6) < 1e-6
    assert fa.images and {im.scene_index for im in fa.images} == {1, 2, 4}
    for im in fa.images:
        assert im.path == f"out/v/{im.image_id}.png" and (tmp_path / "v" / f"{im.image_id}.png").exists()
        assert im.phash and len(im.phash) == 16 and im.magnification in ("low", "medium", "high")
        assert im.width == 320 and im.height == 180
    # scene 4 is one still shot of 4 s: one median image over its stable interval
    last = [im for im in fa.images if im.scene_index == 4]
    assert len(last) == 1 and last[0].method == "median" and last[0].n_frames >= 7


def test_median_of_a_stable_interval_removes_the_pointer(tmp_path, stain_model):
    shots = [("slide", 2, 1, {}), ("tissue", 6, 7, {"pointer": True})]
    path = write_video(tmp_path / "p.mp4", lecture_frames(shots), audio=False)
    # a small crop so that the pointer rarely falls in it, as at full resolution
    params = frames(stable=stable(crop_size=24, ssim_threshold=0.95))
    fa = _run(path, tmp_path, stain_model, params)
    med = [im for im in fa.images if im.method == "median"]
    assert med, fa.images
    img = cv2.cvtColor(cv2.imread(str(tmp_path / "v" / f"{med[0].image_id}.png")), cv2.COLOR_BGR2RGB)
    clean = tissue(180, 320, 7)
    y0 = 90  # the pointer's row band (see synth.lecture_frames)

    def band_outliers(rgb):  # share of the band's pixels far from the clean tissue
        return (np.abs(rgb[y0 : y0 + 10].astype(float) - clean[y0 : y0 + 10]).max(axis=2) > 120).mean()

    # the measure sees the pointer: a frame from the middle of the tissue shot, pointer drawn
    with_pointer = list(lecture_frames(shots))[2 * 12 + 3 * 12]
    assert band_outliers(with_pointer) > 0.02
    assert band_outliers(img) < 0.01  # no pointer left in the band


def test_repeated_shot_is_kept_and_marked_duplicate(tmp_path, stain_model):
    shots = [("tissue", 4, 11, {}), ("slide", 2, 1, {}), ("tissue", 4, 11, {})]
    fa = _run(write_video(tmp_path / "r.mp4", lecture_frames(shots), audio=False), tmp_path, stain_model)
    assert len(fa.images) == 2
    assert fa.images[0].duplicate_of is None and fa.images[1].duplicate_of == fa.images[0].image_id
    assert fa.counts["duplicates"] == 1


def test_magnification_orders_zoom_levels(tmp_path):
    from quiltkit.video.quality import magnification, nucleus_scale

    s = [nucleus_scale(tissue(720, 1280, 3, nucleus_px=r)) for r in (2, 4, 9)]
    assert s[0] < s[1] < s[2]
    assert [magnification(tissue(720, 1280, 3, nucleus_px=r)) for r in (2, 4, 9)] == ["low", "medium", "high"]
    assert magnification(np.full((100, 100, 3), 255, np.uint8)) is None


def test_no_histology_video_is_skipped_with_reason(tmp_path, stain_model):
    shots = [("slide", 3, 1, {}), ("slide", 3, 2, {})]
    fa = _run(write_video(tmp_path / "s.mp4", lecture_frames(shots)), tmp_path, stain_model)
    assert fa.status == "skipped" and "histology keyframe share 0.000" in fa.error
    assert fa.images == [] and len(fa.keyframes) == 2 and not (tmp_path / "v").exists()


@pytest.mark.parametrize(
    "kind,msg",
    [
        ("empty", "empty file (0 bytes)"),
        ("garbage", "cannot open as video: "),
        ("audio", "no video stream (streams: audio)"),
        ("subtitles", "no video stream (streams: subtitle)"),
        ("missing", "file not found"),
        # the first third of a file whose index (moov) is at its end
        ("truncated", "cannot open as video: "),
    ],
)
def test_bad_input_is_recorded_not_raised(tmp_path, stain_model, lecture_mp4, kind, msg):
    p = tmp_path / f"{kind}.mp4"
    if kind == "empty":
        p.write_bytes(b"")
    elif kind == "garbage":
        # Seeded: about 1 in 200 random byte strings probes as a text subtitle file, not as unreadable.
        p.write_bytes(random.Random(0).randbytes(5000))
    elif kind == "subtitles":  # a download that turned out to be only captions
        p.write_bytes(b"WEBVTT\n\n00:00.000 --> 00:02.000\nthe glomerulus\n")
    elif kind == "audio":
        write_audio_only(p)
    elif kind == "truncated":
        p.write_bytes(lecture_mp4.read_bytes()[: lecture_mp4.stat().st_size // 3])
    fa = _run(p, tmp_path, stain_model, vid=kind)
    assert (tmp_path / f"{kind}.json").exists()
    assert fa.status == "failed", fa
    # the reason starts with the file it is about, then says what is wrong with it
    assert fa.error.startswith(f"{p}: {msg}"), fa.error
    if kind == "truncated":  # FFmpeg's own reason, not a crash of ours
        assert "Invalid data found when processing input" in fa.error, fa.error


def test_stable_tracker_memory_is_capped():
    from quiltkit.video.stable import StableTracker

    tr = StableTracker(16, 0.98, 3.0, np.random.default_rng(0), cap=32)
    img = tissue(60, 80, 1)
    for i in range(500):
        assert tr.feed(i * 0.5, img) is None
        assert len(tr.run.kept.frames) <= 33
    iv = tr.close()
    assert iv.n_frames == 500 and iv.start == 0 and iv.end == 249.5
    assert np.array_equal(iv.median, img)
    # a short run is not a stable interval
    tr.feed(0, img)
    tr.feed(0.5, img)
    assert tr.close() is None


@LOOKS
def test_crossfade_and_slide_to_slide_cuts_are_found(tmp_path, stain_model, detect_fps, reference_only):
    # a crossfade between two tissue shots (PySceneDetect's per-frame score misses it) and a cut
    # between two text slides (its colour score sees almost nothing); at every frame, and at the
    # 8 looks per second the demo's params use (frames.scenes.detect_fps)
    shots = [("tissue", 3, 21, {}), ("tissue", 4, 22, {"fade_in": 0.75}), ("slide", 3, 23, {}), ("slide", 3, 24, {})]
    params = frames(scenes=scenes(detect_fps=detect_fps), decode_reference_only=reference_only)
    video = write_video(
        tmp_path / "x.mp4", lecture_frames(shots), audio=False, preset="veryfast" if reference_only else "ultrafast"
    )
    fa = _run(video, tmp_path, stain_model, params)
    truth = [3 + 0.375, 7.0, 10.0]
    r = scene_boundary_f1([s.start for s in fa.scenes[1:]], truth, tol=0.5)
    assert r["f1"] == 1.0, (r, fa.scenes)


def test_peak_memory_does_not_grow_with_video_length(tmp_path, stain_model):
    import tracemalloc

    # 4 samples/s: the still half of both videos is past the 32-frame cap of a stable run
    params = frames(stable=stable(sample_fps=4.0))

    def peak(seconds):
        shots = [("tissue", seconds / 2, 31, {}), ("pan", seconds / 2, 32, {})]
        path = write_video(tmp_path / f"m{seconds}.mp4", lecture_frames(shots), audio=False)
        tracemalloc.start()
        _run(path, tmp_path, stain_model, params, vid=f"m{seconds}")
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    # 40 s and 160 s, not shorter: a 10 s pan is too short to become a keyframe scene, and a
    # keyframe scene is where the pointer is read over the scene's samples (frames.pointer), so a
    # shorter pair would compare two videos doing different work (measured: 1.75 MB at 20 s, 4.18
    # MB at 80 s; 4.19 MB at 40 s, 4.42 MB at 160 s)
    short, long = peak(40), peak(160)
    # four times the video, the same memory (holding its frames would take ~320 MB more)
    assert long < 1.2 * short + 1e6, (short, long)


def test_split_stable_intervals_of_one_view_merge(tmp_path, stain_model):
    from quiltkit.video.frames import _Analyser, _SceneState
    from quiltkit.video.stable import StableInterval

    an = _Analyser("v", frames(), StainModel.load(stain_model), tmp_path, "x", seed=0)
    sc = _SceneState(0, 0.0)
    view, other = tissue(180, 320, 41), tissue(180, 320, 42, nucleus_px=7)
    an._interval(sc, StableInterval(0.0, 4.0, 8, [view]))
    an._interval(sc, StableInterval(4.5, 9.0, 10, [view]))  # the pointer broke the run once
    an._interval(sc, StableInterval(10.0, 14.0, 9, [other]))  # a new view in the same scene
    slide_iv = StableInterval(15.0, 19.0, 9, [slide(180, 320, 3), slide(180, 320, 3)])
    an._interval(sc, slide_iv)  # a slide interval is dropped
    assert len(sc.medians) == 3 and an.counts["stable_intervals"] == 4
    assert "median" not in slide_iv.__dict__  # on its middle frame alone: its median was never computed
    # the medians are classified and merged when the closed scene's queue is resolved
    sc.keyframe = (0.5, view)
    an.close_scene(sc, 20.0)
    assert an.queue == [sc] and not an.images
    an.resolve()
    assert [(im.start, im.end, im.n_frames, im.method) for im in an.images] == [
        (0.0, 9.0, 18, "median"),
        (10.0, 14.0, 9, "median"),
    ]
    assert an.counts["stable_merged"] == 1 and an.keyframes[0].is_histology and an.queue == []


@pytest.mark.parametrize("detector,threshold", [("adaptive", 3.0), ("content", 27.0)])
def test_detectors_with_only_pyscenedetect(lecture_mp4, tmp_path, stain_model, detector, threshold):

    # our own detectors off: the cuts here must come from PySceneDetect alone, whatever its lag
    only = scenes(detector=detector, threshold=threshold, slide_change_fraction=0, dissolve_window_seconds=0)
    fa = _run(lecture_mp4, tmp_path, stain_model, frames(scenes=only))
    truth = shot_boundaries(SHOTS)
    r = scene_boundary_f1([s.start for s in fa.scenes[1:]], truth, tol=0.5)
    assert r["fp"] == 0 and r["tp"] >= 3, (r, fa.scenes)


def test_truncated_download_keeps_what_decoded(tmp_path, stain_model):
    # the index first (as streaming sites serve it), the second half of the file missing
    full = write_video(tmp_path / "full.mp4", lecture_frames(SHOTS), faststart=True)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    fa = _run(cut, tmp_path, stain_model, vid="cut")
    assert fa.status == "ok" and "truncated: analysed" in fa.error and str(cut) in fa.error
    assert 3 < fa.scenes[-1].end < 17 and fa.images
    assert all(im.end <= fa.scenes[-1].end for im in fa.images)


def test_analysis_reads_a_video_part_about_once(tmp_path, stain_model):
    """The frames stage's reads of a split video part: the file once, plus at most one IO buffer
    (it used to probe in a separate open first, reading the container's head twice)."""
    from quiltkit.execution.disk_reads import bytes_read

    p = write_video(tmp_path / "part.mp4", lecture_frames(SHOTS), preset="veryfast", audio=False)
    clf = StainModel.load(stain_model)
    params = frames(decode_reference_only=True)
    analyse_video("warm", p, tmp_path / "warm.json", tmp_path / "warm", "out/warm", params, clf)
    got = {}
    n = bytes_read(
        lambda: got.setdefault("fa", analyse_video("v", p, tmp_path / "v.json", tmp_path / "v", "out/v", params, clf))
    )
    assert got["fa"].status == "ok" and got["fa"].images
    assert n <= p.stat().st_size + 48 * 1024, (n, p.stat().st_size)
