"""Frames settings for the small clips these tests render (160x90 and the like): every frame
decoded, the detectors on every frame at half size, medians of up to 32 frames. params.yaml's
cheaper settings (detect_fps 8, downscale 4, reference frames only, 16 frames; the schema's
defaults) are measured on the demo corpus's 640x360 lectures, where they find the same cuts; on
a 160x90 clip a quarter-size frame is 40x22 and misses a crossfade. A test that is about one of
these settings says so by passing it."""

from quiltkit.config import FramesParams, ScenesParams, StableParams


def scenes(**kw) -> ScenesParams:
    return ScenesParams(**{"downscale": 2, "detect_fps": 0.0, **kw})


def stable(**kw) -> StableParams:
    return StableParams(**{"median_frames": 32, **kw})


def frames(**kw) -> FramesParams:
    return FramesParams(**{"scenes": scenes(), "stable": stable(), "decode_reference_only": False, **kw})
