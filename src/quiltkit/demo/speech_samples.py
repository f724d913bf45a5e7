"""Sound that is not an English lecture, for checking what the ASR stage does with it: the same
pathology narration in German, French and Spanish (after an opening and a describing sentence, as
a lecture starts), and music with no voice.

espeak-ng's voices are harder than a lecturer's, and Whisper base names their language only when
it hears enough of them. Measured on this project's machines (tests/speech/test_language.py):
with the plain voices and the two-sentence clip, French and Spanish came out as Latin on one
machine and as themselves on another (la 0.28 vs fr 0.55); with the m3 variant and the describing
sentence, French and Spanish are themselves at every speaking rate from 155 to 175 wpm (fr
0.77-0.87, es 0.97-0.98). German is not: base hears espeak German as Latin or German by a coin toss
(la 0.47 / de 0.13 at 155 wpm, de 0.44 / la 0.16 at 165, la 0.225 / de 0.222 at 175), so German
is a sample of "not English", never of German detected."""

from __future__ import annotations

import numpy as np

NARRATION = {
    "de": (
        "Hier sehen wir ein kolorektales Adenokarzinom mit unregelmäßigen Drüsen und atypischen Zellkernen. "
        "Es gibt keine Nekrose."
    ),
    "fr": (
        "Ici nous voyons un adénocarcinome colorectal avec des glandes irrégulières et des noyaux atypiques. "
        "Il n'y a pas de nécrose."
    ),
    "es": "Aquí vemos un adenocarcinoma colorrectal con glándulas irregulares y núcleos atípicos. No hay necrosis.",
}
OPENING = {
    "de": (
        "Guten Tag und willkommen zu dieser Vorlesung über Pathologie. "
        "Heute betrachten wir gemeinsam gefärbte Gewebeschnitte. "
    ),
    "fr": (
        "Bonjour à tous, et bienvenue dans cette leçon de pathologie. "
        "Aujourd'hui, nous allons regarder ensemble des coupes de tissu colorées. "
    ),
    "es": "Hola a todos y bienvenidos a esta clase de patología. Hoy vamos a mirar juntos cortes de tejido teñidos. ",
}
DESCRIPTION = {
    "de": "Die Zellen sind groß und die Kerne sind dunkel. Wir sehen auch viele Entzündungszellen im Stroma. ",
    "fr": (
        "Les cellules sont grandes et les noyaux sont sombres. "
        "Nous voyons aussi beaucoup de cellules inflammatoires dans le stroma. "
    ),
    "es": (
        "Las células son grandes y los núcleos son oscuros. También vemos muchas células inflamatorias en el estroma. "
    ),
}
VOICE = {"en": "en-us", "de": "de+m3", "fr": "fr+m3", "es": "es+m3"}  # espeak-ng voice names (+variant)


def lecture_opening(lang: str) -> str:
    """The opening, the describing sentences and the narration in `lang` (de, fr, es): about 20 s."""
    return OPENING[lang] + DESCRIPTION[lang] + NARRATION[lang]


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
