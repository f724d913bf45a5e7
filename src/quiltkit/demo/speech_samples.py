"""Sound that is not an English lecture, for checking what the ASR stage does with it: the same
pathology narration in German, French and Spanish (each after an opening sentence, as a lecture
starts; espeak-ng's voices are harder than a lecturer's, and a few seconds of them alone misled
Whisper base's language detection: French was Thai), and music with no voice."""
from __future__ import annotations

import numpy as np

NARRATION = {
    "de": "Hier sehen wir ein kolorektales Adenokarzinom mit unregelmäßigen Drüsen und atypischen Zellkernen. Es gibt keine Nekrose.",
    "fr": "Ici nous voyons un adénocarcinome colorectal avec des glandes irrégulières et des noyaux atypiques. Il n'y a pas de nécrose.",
    "es": "Aquí vemos un adenocarcinoma colorrectal con glándulas irregulares y núcleos atípicos. No hay necrosis.",
}
OPENING = {
    "de": "Guten Tag und willkommen zu dieser Vorlesung über Pathologie. Heute betrachten wir gemeinsam gefärbte Gewebeschnitte. ",
    "fr": "Bonjour à tous, et bienvenue dans cette leçon de pathologie. Aujourd'hui, nous allons regarder ensemble des coupes de tissu colorées. ",
    "es": "Hola a todos y bienvenidos a esta clase de patología. Hoy vamos a mirar juntos cortes de tejido teñidos. ",
}
VOICE = {"en": "en-us", "de": "de", "fr": "fr", "es": "es"}  # espeak-ng voice names


def lecture_opening(lang: str) -> str:
    """The opening sentence and the narration in `lang` (de, fr, es)."""
    return OPENING[lang] + NARRATION[lang]


def chords(seconds: float = 20.0, rate: int = 22050) -> np.ndarray:
    """Piano-like chords (C, Am, F, G), each struck twice and decaying: music, no voice (int16)."""
    t = np.arange(int(seconds * rate)) / rate
    y = np.zeros_like(t)
    progression = [(261.6, 329.6, 392.0), (220.0, 261.6, 329.6), (174.6, 220.0, 261.6), (196.0, 246.9, 293.7)]
    for i in range(int(seconds / 2.5)):
        on = (t >= i * 2.5) & (t < (i + 1) * 2.5)
        for k, f in enumerate(progression[i % 4]):
            y[on] += np.sin(2 * np.pi * f * t[on]) * np.exp(-((t[on] - i * 2.5) % 1.25) * 1.5) / (k + 1)
    return (y / np.abs(y).max() * 12000).astype(np.int16)
