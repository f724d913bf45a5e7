"""Offline text-to-speech with espeak-ng, driven through ctypes: the one wrapper of the library.

Why this is in the speech package: every ASR test needs *real* speech, and the only synthesiser
that installs from PyPI without network is the libespeak-ng shipped by `espeakng-loader`; the
demo corpus's narrator (quiltkit.demo.tts) speaks through the same object. The library is a C
API with one global state (one synthesis callback, one voice), so a process holds one `Espeak`,
initialised once, and synthesis is serialised by its lock: two wrappers in one process would
each install their own callback and the first would silently receive no audio.

Synthesis runs in AUDIO_OUTPUT_SYNCHRONOUS mode and the callback appends each chunk of 16-bit
samples to a list, which gives exact sample counts (and so exact sentence times in the demo's
ground truth).
"""

from __future__ import annotations

import ctypes
import itertools
import threading
from pathlib import Path

import numpy as np


class TtsError(RuntimeError):
    pass


AUDIO_OUTPUT_SYNCHRONOUS = 2
espeakCHARS_UTF8 = 1
POS_CHARACTER = 1

_SYNTH_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)


class _Voice(ctypes.Structure):  # espeak_VOICE
    _fields_ = [
        ("name", ctypes.c_char_p),
        ("languages", ctypes.c_void_p),
        ("identifier", ctypes.c_char_p),
        ("gender", ctypes.c_ubyte),
        ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte),
        ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    ]


class Espeak:
    _instance: "Espeak | None" = None
    _lock = threading.Lock()

    def __init__(self) -> None:
        try:
            import espeakng_loader
        except ImportError as err:
            raise TtsError("espeakng-loader is not installed (pip install espeakng-loader)") from err

        self.lib = ctypes.CDLL(espeakng_loader.get_library_path())
        self.lib.espeak_Initialize.restype = ctypes.c_int
        self.lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        self._data = espeakng_loader.get_data_path()
        data = self._data.encode()
        rate = self.lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, data, 0)
        if rate <= 0:
            raise RuntimeError(f"espeak_Initialize failed (returned {rate}) with data path {data!r}")
        self.sample_rate = int(rate)
        self._chunks: list[np.ndarray] = []
        self._libc = ctypes.CDLL(None)

        def _cb(wav, numsamples, events):  # called from inside espeak_Synth, same thread
            if numsamples > 0 and wav:
                self._chunks.append(np.ctypeslib.as_array(wav, shape=(numsamples,)).copy())
            return 0

        self._cb = _SYNTH_CALLBACK(_cb)  # keep a reference: ctypes callbacks die with their object
        self.lib.espeak_SetSynthCallback(self._cb)
        self.lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        if self.lib.espeak_SetVoiceByName(b"en-us") != 0:
            raise RuntimeError("espeak-ng has no en-us voice in its data directory")
        self._voice = "en-us"
        self.lib.espeak_Synth.argtypes = [
            ctypes.c_void_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        self.lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]

    @classmethod
    def get(cls) -> "Espeak":
        with cls._lock:
            if cls._instance is None:
                cls._instance = Espeak()
            return cls._instance

    def voices(self) -> dict[str, str]:
        """{language code or file name, lowercase: the voice file name espeak loads}, from
        espeak_ListVoices: "en-gb" -> "en" (its file is lang/gmw/en), "en-gb-x-rp" -> "en-GB-x-rp"."""
        if not hasattr(self, "_voices"):
            self.lib.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(_Voice))
            self.lib.espeak_ListVoices.argtypes = [ctypes.c_void_p]
            arr, out = self.lib.espeak_ListVoices(None), {}
            for i in itertools.count():
                if not arr[i]:
                    break
                v = arr[i].contents
                file = v.identifier.decode().rsplit("/", 1)[-1]
                p = v.languages  # (priority byte, NUL-terminated code)*, then a 0 byte
                if p and ctypes.c_ubyte.from_address(p).value:
                    out.setdefault(ctypes.string_at(p + 1).decode().lower(), file)
                out.setdefault(file.lower(), file)
            self._voices = out
        return self._voices

    def set_voice(self, voice: str) -> None:
        """Switch voice: an espeak-ng language or voice name with an optional +variant (en-us,
        en-gb, en-gb-x-rp, en-us-nyc, en-gb-scotland, en-us+f3, ...). The held-out corpus speaks
        in voices the ASR correction was never tuned on."""
        if voice == self._voice:
            return
        base, plus, variant = voice.partition("+")
        file = self.voices().get(base.lower())
        variants = Path(self._data) / "voices" / "!v"
        if file is None or (plus and not (variants / variant).is_file()):
            raise ValueError(
                f"espeak-ng has no voice {voice!r} (English ones: "
                f"{', '.join(sorted(k for k in self.voices() if k.startswith('en')))}; variants in {variants})"
            )
        if self.lib.espeak_SetVoiceByName(f"{file}{plus}{variant}".encode()) != 0:
            raise ValueError(f"espeak-ng could not load voice {voice!r} ({file}{plus}{variant})")
        self._voice = voice

    def synth(self, text: str, rate_wpm: int = 165, pitch: int = 50, voice: str = "en-us") -> np.ndarray:
        """int16 mono samples at self.sample_rate, leading/trailing silence trimmed."""
        with self._lock:
            self.set_voice(voice)
            self.lib.espeak_SetParameter(1, int(rate_wpm), 0)  # espeakRATE
            self.lib.espeak_SetParameter(3, int(pitch), 0)  # espeakPITCH
            self._chunks = []
            # espeak adds pseudo-random noise (voicing jitter, fricatives); reseeding before every
            # utterance makes the audio, and so the video bytes, a pure function of the text.
            self.lib.espeak_ng_SetRandSeed(ctypes.c_long(12345))
            self._libc.srand(12345)  # the library also calls libc rand() directly
            buf = ctypes.create_string_buffer(text.encode("utf-8"))
            err = self.lib.espeak_Synth(buf, len(buf), 0, POS_CHARACTER, 0, espeakCHARS_UTF8, None, None)
            if err != 0:
                raise RuntimeError(f"espeak_Synth failed ({err}) on {text[:60]!r}")
            self.lib.espeak_Synchronize()
            audio = np.concatenate(self._chunks) if self._chunks else np.zeros(0, np.int16)
        return _trim(audio)

    def speak(self, text: str, voice: str, rate_wpm: int) -> np.ndarray:
        """int16 samples of `text` in voice `voice` (an espeak voice name, +variant allowed, not
        resolved through voices()), untrimmed and not reseeded."""
        with self._lock:
            if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
                raise ValueError(f"espeak-ng has no voice {voice!r}")
            self._voice = voice
            self.lib.espeak_SetParameter(1, int(rate_wpm), 0)  # espeakRATE
            self._chunks = []
            data = text.encode("utf-8") + b"\0"
            buf = ctypes.create_string_buffer(data)
            err = self.lib.espeak_Synth(buf, len(data), 0, 0, 0, espeakCHARS_UTF8, None, None)
            if err != 0:
                raise RuntimeError(f"espeak_Synth failed ({err}) for {text[:60]!r}")
            audio = np.concatenate(self._chunks) if self._chunks else np.zeros(0, np.int16)
        return audio.astype(np.int16)


def _trim(audio: np.ndarray, thresh: int = 200) -> np.ndarray:
    # espeak pads each utterance with silence; trimming makes the GT start/end the speech itself.
    loud = np.flatnonzero(np.abs(audio.astype(np.int32)) > thresh)
    if loud.size == 0:
        return audio[:0]
    return audio[loud[0] : loud[-1] + 1]


def synthesize(text: str, voice: str = "en-us", words_per_minute: int = 165) -> tuple[np.ndarray, int]:
    """Speak `text` for an ASR test; returns (int16 mono samples, sample rate). Unlike the demo's
    narrator (Espeak.synth) the voice name goes to espeak as given, the pitch is espeak's own,
    nothing is reseeded and the silence around the speech stays, as a recording would have it."""
    try:
        return Espeak.get().speak(text, voice, words_per_minute), Espeak.get().sample_rate
    except ValueError as err:
        raise TtsError(str(err)) from None


def resample_to_16k(samples: np.ndarray, rate: int) -> np.ndarray:
    """int16 at `rate` -> float32 at 16 kHz in [-1, 1] (linear interpolation is enough for ASR tests)."""
    x = samples.astype(np.float32) / 32768.0
    if rate == 16000 or len(x) == 0:
        return x
    n_out = int(round(len(x) * 16000 / rate))
    t_out = np.arange(n_out) * (rate / 16000)
    return np.interp(t_out, np.arange(len(x)), x).astype(np.float32)
