import numpy as np

from quiltkit.speech.tts import resample_to_16k, synthesize


def test_espeak_speaks_and_resamples():
    samples, rate = synthesize("There is no evidence of necrosis.")
    assert rate > 8000 and samples.dtype == np.int16
    assert 1.0 < len(samples) / rate < 5.0 and np.abs(samples).max() > 1000
    x = resample_to_16k(samples, rate)
    assert abs(len(x) / 16000 - len(samples) / rate) < 0.01 and np.abs(x).max() <= 1.0


def test_demo_tts_voices():
    """The demo narrator's voice: the default is en-us and stays so (a fresh process speaks the
    same samples with and without naming it), another voice speaks differently, and an unknown
    one is a clear error naming it."""
    import pytest

    from quiltkit.demo import tts

    text = ["Here we see a biopsy with cytologic atypia."]
    (default,), sr = tts.synthesize_fresh(text)
    (named,), _ = tts.synthesize_fresh(text, voice="en-us")
    (british,), sr_gb = tts.synthesize_fresh(text, voice="en-gb-x-rp")
    assert np.array_equal(default, named) and default.size > sr  # over a second of speech
    assert sr_gb == sr and british.size > sr and not np.array_equal(default[: british.size], british[: default.size])
    for voice in ("en-gb", "en-gb-scotland", "en-us+f3"):  # a language code, a dialect, a variant
        samples, _ = tts.synthesize(text[0], voice=voice)
        assert samples.size > sr
    for bad in ("xx-nowhere", "en-us+nosuchvariant"):
        with pytest.raises(ValueError, match=bad.replace("+", r"\+")):
            tts.synthesize(text[0], voice=bad)
    assert tts.Espeak.get().synth(text[0], voice="en-us").size > sr  # still usable after the error


def test_the_narrator_and_the_asr_tests_share_one_espeak():
    """espeak-ng has one global state per process (one initialisation, one synthesis callback).
    With two wrappers, this sequence (the narrator, an ASR test's synthesis, the narrator again)
    initialised the library twice and crashed the interpreter (a segmentation fault, measured on
    fc90116); with one, each caller gets its speech in any order."""
    from quiltkit.demo import tts as narrator
    from quiltkit.speech import tts

    first, sr = narrator.synthesize("Here we see a biopsy.")
    asr, _ = tts.synthesize("There is no evidence of necrosis.")
    again, _ = narrator.synthesize("Here we see a biopsy.")
    assert first.size > sr // 2 and asr.size > sr // 2 and again.size > sr // 2
    assert narrator.Espeak.get() is tts.Espeak.get()
