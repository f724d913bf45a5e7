import numpy as np

from quiltkit.speech.tts import resample_to_16k, synthesize


def test_espeak_speaks_and_resamples():
    samples, rate = synthesize("There is no evidence of necrosis.")
    assert rate > 8000 and samples.dtype == np.int16
    assert 1.0 < len(samples) / rate < 5.0 and np.abs(samples).max() > 1000
    x = resample_to_16k(samples, rate)
    assert abs(len(x) / 16000 - len(samples) / rate) < 0.01 and np.abs(x).max() <= 1.0
