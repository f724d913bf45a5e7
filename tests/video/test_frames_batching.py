"""The histology classifier batched across scenes: the same analysis whatever the batch size,
in far fewer classifier calls."""

import pytest

from quiltkit.config import HistologyParams
from quiltkit.video.frames import analyse_video
from quiltkit.video.histology import StainModel
from tests.video.exhaustive import frames, scenes


class CountingClassifier:
    """The real stain model, recording the size of every predict_proba call."""

    def __init__(self, model):
        self.model, self.name, self.sizes = model, model.name, []

    def predict_proba(self, images):
        self.sizes.append(len(images))
        return self.model.predict_proba(images)


def _analyse(video, tmp_path, model, batch_size, shots_params):
    clf = CountingClassifier(model)
    params = (
        frames(histology=HistologyParams(batch_size=batch_size), **shots_params)
        if batch_size
        else frames(**shots_params)
    )
    d = tmp_path / f"b{batch_size}"
    fa = analyse_video("v", video, d / "v.json", d / "v", "out/v", params, clf)
    images = {p.name: p.read_bytes() for p in sorted((d / "v").iterdir())}
    return fa, clf.sizes, images


# every detector frame, and the 8 looks per second from reference frames that params.yaml uses
@pytest.mark.parametrize(
    "video,shots_params",
    [
        ("lecture_mp4", {}),
        ("lecture_bframes_mp4", {"scenes": scenes(detect_fps=8.0), "decode_reference_only": True}),
    ],
)
def test_batch_size_changes_calls_not_results(request, tmp_path, stain_model, video, shots_params):
    video = request.getfixturevalue(video)
    model = StainModel.load(stain_model)
    runs = {b: _analyse(video, tmp_path, model, b, shots_params) for b in (1, 3, 64, None)}
    fa1, sizes1, images1 = runs[1]
    # medians, and the fallback frames of the pan (a scene with no stable interval)
    assert fa1.status == "ok" and {im.method for im in fa1.images} == {"median", "keyframe"}
    for b, (fa, sizes, images) in runs.items():
        assert fa.model_dump(exclude={"seconds_elapsed"}) == fa1.model_dump(exclude={"seconds_elapsed"}), b
        assert images == images1, b  # the same files, byte for byte
        # A call holds the images of the scenes queued before the last one (fewer than b,
        # else the queue would have been resolved earlier) plus the last one's, which alone
        # make at most the largest call of a batch size of 1.
        assert max(sizes) <= (b or HistologyParams().batch_size) - 1 + max(sizes1), (b, sizes, sizes1)
    # Every stable interval costs one single-image pre-check whatever the batch size; a scene
    # without one whose pointer is read (frames.pointer) costs none, its keyframe judged in the
    # batch; the rest is one call per scene at a batch size of 1 and at most two calls for the
    # video at 64.
    assert fa1.counts["pointer_scene_checks"] >= 1
    n_pre = fa1.counts["stable_intervals"]
    assert len(runs[1][1]) - n_pre >= len(fa1.keyframes) == 5
    assert len(runs[64][1]) - n_pre <= 2
    assert sum(runs[64][1]) == sum(sizes1)  # the same images classified, only grouped differently
