"""Offline text-to-speech with espeak-ng, driven through ctypes.

Why this exists in the speech package: every ASR test needs *real* speech, and the only
synthesiser that installs from PyPI without network is the libespeak-ng shipped by
`espeakng-loader`. The library is a C API with a global state, so synthesis is serialised by a
lock and initialised once per process.
"""

from __future__ import annotations

import ctypes
import threading

import numpy as np

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_ESPEAK_CHARS_UTF8 = 1
_ESPEAK_RATE = 1
_SYNTH_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)

_lock = threading.Lock()
_state: dict = {}


class TtsError(RuntimeError):
    pass


def _library():
    if "lib" in _state:
        return _state["lib"], _state["rate"]
    try:
        import espeakng_loader
    except ImportError as err:
        raise TtsError("espeakng-loader is not installed (pip install espeakng-loader)") from err
    lib = ctypes.cdll.LoadLibrary(str(espeakng_loader.get_library_path()))
    lib.espeak_Initialize.restype = ctypes.c_int
    lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, str(espeakng_loader.get_data_path()).encode(), 0)
    if rate <= 0:
        raise TtsError(f"espeak_Initialize failed ({rate})")
    lib.espeak_Synth.argtypes = [
        ctypes.c_void_p,
        ctypes.c_size_t,
        ctypes.c_uint,
        ctypes.c_int,
        ctypes.c_uint,
        ctypes.c_uint,
        ctypes.c_void_p,
        ctypes.c_void_p,
    ]
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
    _state["lib"], _state["rate"] = lib, rate
    return lib, rate


def synthesize(text: str, voice: str = "en-us", words_per_minute: int = 165) -> tuple[np.ndarray, int]:
    """Speak `text`; returns (int16 mono samples, sample rate)."""
    with _lock:
        lib, rate = _library()
        chunks: list[np.ndarray] = []

        def on_audio(wav, n, events):  # called from inside espeak_Synth, same thread
            if n > 0 and wav:
                chunks.append(np.ctypeslib.as_array(wav, shape=(n,)).copy())
            return 0

        cb = _SYNTH_CALLBACK(on_audio)  # keep a reference for the duration of the call
        lib.espeak_SetSynthCallback(cb)
        if lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise TtsError(f"espeak-ng has no voice {voice!r}")
        lib.espeak_SetParameter(_ESPEAK_RATE, int(words_per_minute), 0)
        data = text.encode("utf-8") + b"\0"
        buf = ctypes.create_string_buffer(data)
        err = lib.espeak_Synth(buf, len(data), 0, 0, 0, _ESPEAK_CHARS_UTF8, None, None)
        if err != 0:
            raise TtsError(f"espeak_Synth failed ({err}) for {text[:60]!r}")
    samples = np.concatenate(chunks) if chunks else np.zeros(0, np.int16)
    return samples.astype(np.int16), rate


def resample_to_16k(samples: np.ndarray, rate: int) -> np.ndarray:
    """int16 at `rate` -> float32 at 16 kHz in [-1, 1] (linear interpolation is enough for ASR tests)."""
    x = samples.astype(np.float32) / 32768.0
    if rate == 16000 or len(x) == 0:
        return x
    n_out = int(round(len(x) * 16000 / rate))
    t_out = np.arange(n_out) * (rate / 16000)
    return np.interp(t_out, np.arange(len(x)), x).astype(np.float32)
