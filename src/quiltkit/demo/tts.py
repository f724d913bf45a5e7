"""The demo narrator's voice: espeak-ng (quiltkit.speech.tts.Espeak), reseeded before every
utterance and trimmed to the speech, and spoken in a fresh process when the bytes must not depend
on what the process said before.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from quiltkit.speech.tts import Espeak


def synthesize(text: str, rate_wpm: int = 165, pitch: int = 50, voice: str = "en-us") -> tuple[np.ndarray, int]:
    tts = Espeak.get()
    return tts.synth(text, rate_wpm, pitch, voice), tts.sample_rate


def synthesize_fresh(
    texts: list[str], rate_wpm: int = 165, pitch: int = 50, voice: str = "en-us"
) -> tuple[list[np.ndarray], int]:
    """Speak `texts` in a brand-new interpreter (`python -m quiltkit.demo.tts`).

    libespeak-ng keeps hidden state between utterances (the samples of a sentence depend on what
    the same process said before it; reseeding its RNG does not help), so byte-identical audio
    needs a process that starts clean and speaks exactly this list. A subprocess, not a
    multiprocessing pool: it neither re-imports the caller's __main__ nor inherits its threads."""
    import quiltkit

    env = dict(os.environ)
    src = str(Path(quiltkit.__file__).resolve().parents[1])
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    req = json.dumps({"texts": list(texts), "rate_wpm": int(rate_wpm), "pitch": int(pitch), "voice": voice}).encode()
    proc = subprocess.run([sys.executable, "-m", "quiltkit.demo.tts"], input=req, capture_output=True, env=env)
    if proc.returncode != 0:
        raise RuntimeError(
            f"espeak subprocess failed ({proc.returncode}): {proc.stderr.decode(errors='replace')[-600:]}"
        )
    with np.load(io.BytesIO(proc.stdout)) as z:
        sr = int(z["sample_rate"])
        return [z[f"a{i}"] for i in range(len(texts))], sr


def _main() -> None:
    req = json.loads(sys.stdin.buffer.read())
    tts = Espeak.get()
    clips = {
        f"a{i}": tts.synth(t, req["rate_wpm"], req["pitch"], req.get("voice", "en-us"))
        for i, t in enumerate(req["texts"])
    }
    buf = io.BytesIO()
    np.savez(buf, sample_rate=np.int64(tts.sample_rate), **clips)
    sys.stdout.buffer.write(buf.getvalue())


if __name__ == "__main__":
    _main()
