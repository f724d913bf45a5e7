"""The frames stage reads the pointer in every histology stable interval (frames.pointer) and
writes it on the chunk image; off, nothing is read."""

from quiltkit.video.frames import analyse_video
from quiltkit.video.histology import StainModel
from tests.video.exhaustive import frames
from tests.video.synth import lecture_frames, write_video

W, H, FPS = 320, 180, 12
# a slide, then 8 s of tissue over which a black 7x11 px square crosses the picture at mid height
SHOTS = [("slide", 3.0, 1, {}), ("tissue", 8.0, 2, {"pointer": True})]


def _truth(t: float) -> tuple[float, float]:
    """The square's centre at time t (lecture_frames draws it at frame i of the tissue shot)."""
    n = int(round(8.0 * FPS))
    i = round((t - 3.0) * FPS)
    px = int(W * 0.2 + (W * 0.6) * i / max(1, n - 1))
    return px + 3, H // 2 + 5


def _analyse(tmp_path, stain_model, **kw):
    video = write_video(tmp_path / "p.mp4", lecture_frames(SHOTS, W, H, FPS), fps=FPS, audio=False)
    params = frames(**kw)
    return analyse_video("v", video, tmp_path / "v.json", tmp_path / "v", "out/v", params, StainModel.load(stain_model))


def test_the_pointer_is_read_on_the_median_image(tmp_path, stain_model):
    fa = _analyse(tmp_path, stain_model)
    medians = [im for im in fa.images if im.method == "median"]
    assert medians, [im.method for im in fa.images]
    samples = [s for im in medians for s in im.pointer]
    assert samples and all(im.start - 1e-6 <= s.t <= im.end + 1e-6 for im in medians for s in im.pointer)
    found = [s for s in samples if s.x is not None]
    # a symmetric blob points with its centre: within 3 px of the square's, in most frames read
    close = [s for s in found if abs(s.x - _truth(s.t)[0]) <= 3 and abs(s.y - _truth(s.t)[1]) <= 3]
    assert len(close) >= 0.8 * len(samples), [(s.t, s.x, s.y, _truth(s.t)) for s in samples]
    assert fa.counts["pointer_frames_read"] >= len(samples) and fa.counts["pointer_frames_found"] >= len(found)


def test_off_nothing_is_read(tmp_path, stain_model):
    from quiltkit.config import PointerTrackParams

    fa = _analyse(tmp_path, stain_model, pointer=PointerTrackParams(enabled=False))
    assert fa.images and all(im.pointer == [] for im in fa.images)
    assert "pointer_frames_read" not in fa.counts


def test_a_scene_without_a_stable_interval_is_read_on_its_keyframe_image(tmp_path, stain_model):
    """No interval is long enough (min_stable_seconds past the shot), so the tissue scene falls
    back to its keyframe: the pointer is read over the scene's samples against their median and
    each keyframe image keeps the readings of its own stretch of the scene."""
    from tests.video.exhaustive import stable

    fa = _analyse(tmp_path, stain_model, stable=stable(min_stable_seconds=60.0))
    keyframes = [im for im in fa.images if im.method == "keyframe"]
    assert keyframes and not [im for im in fa.images if im.method == "median"]
    samples = [s for im in keyframes for s in im.pointer]
    assert all(im.start - 1e-6 <= s.t <= im.end + 1e-6 for im in keyframes for s in im.pointer)
    close = [
        s for s in samples if s.x is not None and abs(s.x - _truth(s.t)[0]) <= 3 and abs(s.y - _truth(s.t)[1]) <= 3
    ]
    assert len(samples) >= 8 and len(close) >= 0.8 * len(samples), [(s.t, s.x, s.y, _truth(s.t)) for s in samples]
