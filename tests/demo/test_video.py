"""The lecture videos decode, and their ground truth matches what is actually in the pixels and
the audio track."""

import av
import numpy as np
import pytest

from quiltkit.contracts import GroundTruth


def _decode(path):
    frames, audio, sr = [], [], None
    with av.open(str(path)) as c:
        vcodec = c.streams.video[0].codec_context.name
        acodec = c.streams.audio[0].codec_context.name
        for f in c.decode(video=0):
            frames.append(f.to_ndarray(format="rgb24"))
    with av.open(str(path)) as c:
        for f in c.decode(audio=0):
            sr = f.sample_rate
            audio.append(f.to_ndarray().reshape(-1))
    return vcodec, acodec, np.stack(frames).astype(np.float32), np.concatenate(audio), sr


@pytest.fixture(scope="module")
def decoded(corpus):
    root, out, _ = corpus
    gt = GroundTruth.read(out / "ground_truth" / "demo_000.json")
    return gt, _decode(out / "videos" / "demo_000.mp4")


def test_streams_are_h264_and_aac(decoded):
    gt, (vcodec, acodec, frames, audio, sr) = decoded
    assert vcodec == "h264" and acodec == "aac"
    assert frames.shape[1:] == (gt.height, gt.width, 3)
    assert abs(len(frames) - gt.duration * gt.fps) <= 1
    assert abs(len(audio) / sr - gt.duration) < 0.2


def test_cuts_are_where_the_ground_truth_says(decoded):
    gt, (_, _, frames, _, _) = decoded
    diff = np.abs(np.diff(frames, axis=0)).mean(axis=(1, 2, 3))  # diff[k]: frame k -> k+1
    cut_frames = set()
    for s in gt.shots[1:]:
        if s.transition_in != "cut":
            continue
        k = round(s.start * gt.fps)  # first frame of the new shot
        cut_frames.add(k)
        assert diff[k - 1] > 12, f"no visible change at the GT cut into shot {s.index} (t={s.start})"
    # away from any boundary the picture changes much less (slow pans, pointer, codec noise)
    boundary = {round(s.start * gt.fps) for s in gt.shots[1:]}
    quiet = [diff[k] for k in range(len(diff)) if all(abs(k + 1 - b) > gt.fps for b in boundary)]
    assert np.median(quiet) < 2 and max(quiet) < 0.5 * min(diff[k - 1] for k in cut_frames)


def test_crossfade_blends_over_several_frames(decoded):
    gt, (_, _, frames, _, _) = decoded
    fades = [s for s in gt.shots if s.transition_in == "crossfade"]
    assert fades, "every video has at least one crossfade"
    for s in fades:
        k = round(s.start * gt.fps)
        f = int(gt.fps)
        a, b, mid = frames[k - f], frames[k + f], frames[k]
        # the midpoint frame is neither picture but lies between them
        da, db = np.abs(mid - a).mean(), np.abs(mid - b).mean()
        assert da > 5 and db > 5
        assert np.abs(mid - (a + b) / 2).mean() < min(np.abs(a - b).mean(), da + db)


def test_narration_is_audible_in_sentences_and_silent_in_the_planned_gap(decoded):
    gt, (_, _, _, audio, sr) = decoded
    assert gt.sentences and gt.silences

    def rms(t0, t1):
        seg = audio[int(t0 * sr) : int(t1 * sr)]
        return float(np.sqrt(np.mean(seg**2)))

    speech = [rms(s.start, s.end) for s in gt.sentences]
    assert min(speech) > 0.01
    for a, b in gt.silences:
        assert rms(a + 0.1, b - 0.1) < 0.05 * min(speech)
    planned = [s for s in gt.shots if s.kind == "slide" and not any(x.shot_index == s.index for x in gt.sentences)]
    assert planned and any(a <= planned[0].start and b >= planned[0].end for a, b in gt.silences)
