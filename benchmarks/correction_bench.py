"""ASR-text correction on demo narration spoken in several espeak voices: HEAD's rules vs the
extended ones (text/correction.py, Corrector(extended=...)).

    PYTHONPATH=src python benchmarks/correction_bench.py [--sentences 60] [--seed 7]
        [--tuning en-us] [--held-out en-gb-x-rp,en-gb-scotland,en-us+f3] [--out metrics/correction_bench.json]
        [--asr-cache FILE]

A fixed set of narration sentences (quiltkit.demo.narration with a seeded generator, the
sentence kinds the demo lectures speak) is synthesised per voice in a fresh espeak process and
transcribed one sentence at a time by the offline tiny.en faster-whisper model with the
pipeline's ASR settings (params.yaml asr, vocabulary prompt). The correction was tuned on the
en-us voice only (the demo's); the other voices are held out. Per voice group and corrector:
corpus WER raw/corrected, ground-truth term recall raw/corrected, and the correction effects of
scoring.wer.correction_effects (terms fixed, reference words broken, words changed), against the
merged pipeline vocabulary (core + HPO + ICD-10, what the text stage corrects against).
--asr-cache keeps the transcripts (keyed by voice and text) so that re-scoring skips the ASR.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from quiltkit.config import load_params  # noqa: E402
from quiltkit.demo import narration  # noqa: E402
from quiltkit.demo.tissue_classes import CLASS_INFO  # noqa: E402
from quiltkit.scoring.wer import correction_effects, term_recall, word_error_rate  # noqa: E402
from quiltkit.text.correction import Corrector  # noqa: E402
from quiltkit.text.vocabulary import build_vocabulary  # noqa: E402

HELD_OUT = "en-gb-x-rp,en-gb-scotland,en-us+f3"


def demo_sentences(n: int, seed: int) -> list[narration.Line]:
    """n distinct narration lines, drawn as the demo lectures draw them (histology shots of every
    class, slides, framing), in a fixed order."""
    rng = np.random.default_rng(seed)
    classes = sorted(CLASS_INFO)
    pool: dict[str, narration.Line] = {}
    for _ in range(40):
        for c in classes + [None]:
            mag = narration._pick(rng, ["low", "medium", "high"])
            for ln in narration.histology_lines(
                rng,
                c,
                mag,
                bool(rng.random() < 0.3),
                bool(rng.random() < 0.2),
                3,
                label="IHC package sample" if rng.random() < 0.5 else None,
            ):
                pool.setdefault(ln.text, ln)
        for ln in (
            narration.slide_lines(rng, classes)
            + narration.title_lines(rng, "colon pathology")
            + narration.presenter_lines(rng, "Doctor Rivera")
            + narration.summary_lines(rng)
        ):
            pool.setdefault(ln.text, ln)
    lines = list(pool.values())
    order = rng.permutation(len(lines))
    return [lines[i] for i in order[:n]]


def transcribe_voice(texts: list[str], voice: str, backend, params, prompt) -> list[str]:
    from quiltkit.demo.tts import synthesize_fresh
    from quiltkit.speech.transcribe import transcribe_window
    from quiltkit.speech.tts import resample_to_16k

    clips, sr = synthesize_fresh(texts, voice=voice)
    out = []
    for clip in clips:
        extra = {"duration_after_vad": 0.0, "prompt_echo_words_removed": 0, "prompt_fallback_regions": []}
        segs = transcribe_window(backend, resample_to_16k(clip, sr), params, "en", prompt, extra)
        out.append(" ".join(s.text.strip() for s in segs))
    return out


def score(lines: list[narration.Line], raw: list[str], corrector: Corrector, vocab) -> dict:
    refs = [ln.text for ln in lines]
    cor = [corrector.correct(t)[0] for t in raw]
    eff = {"changed": 0, "fixed": 0, "broken": 0}
    found_raw = found_cor = total = 0
    for ln, r, c in zip(lines, raw, cor):
        for k, v in correction_effects(ln.text, r, c, ln.terms, vocab).items():
            eff[k] += v
        f, n = term_recall(ln.terms, r, vocab)
        found_raw, total = found_raw + f, total + n
        found_cor += term_recall(ln.terms, c, vocab)[0]
    return {
        "wer_raw": round(word_error_rate(refs, raw), 4),
        "wer_corrected": round(word_error_rate(refs, cor), 4),
        "term_recall_raw": round(found_raw / total, 4) if total else None,
        "term_recall_corrected": round(found_cor / total, 4) if total else None,
        "terms": total,
        **eff,
    }


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sentences", type=int, default=60)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--tuning", default="en-us")
    ap.add_argument("--held-out", default=HELD_OUT)
    ap.add_argument("--params", type=Path, default=Path("params.yaml"))
    ap.add_argument("--out", type=Path, default=Path("metrics/correction_bench.json"))
    ap.add_argument("--asr-cache", type=Path, default=None)
    ap.add_argument("--show", action="store_true", help="print every tuning sentence the correctors change")
    a = ap.parse_args(argv)
    params = load_params(a.params)
    lines = demo_sentences(a.sentences, a.seed)
    texts = [ln.text for ln in lines]
    groups = {g: [v for v in vs.split(",") if v] for g, vs in (("tuning", a.tuning), ("held_out", a.held_out))}
    groups = {g: vs for g, vs in groups.items() if vs}
    cache = json.loads(a.asr_cache.read_text()) if a.asr_cache and a.asr_cache.exists() else {}
    asr: dict[str, list[str]] = {}
    backend = prompt = None
    for voice in [v for vs in groups.values() for v in vs]:
        if all(f"{voice}|{t}" in cache for t in texts):
            asr[voice] = [cache[f"{voice}|{t}"] for t in texts]
            continue
        if backend is None:
            from quiltkit.speech.stage_run import domain_prompt
            from quiltkit.speech.transcribe import get_backend

            threads = params.asr.cpu_threads or (os.cpu_count() or 1)
            backend, prompt = get_backend(params.asr, threads), domain_prompt(params.asr)
        asr[voice] = transcribe_voice(texts, voice, backend, params.asr, prompt)
        cache.update({f"{voice}|{t}": h for t, h in zip(texts, asr[voice])})
        if a.asr_cache:
            a.asr_cache.write_text(json.dumps(cache, indent=0))
    vocab = build_vocabulary(params.text.use_hpo, params.text.use_icd10, cache_dir=Path.home() / ".cache" / "quiltkit")
    correctors = {
        "head": Corrector(vocab, min_score=params.text.fuzzy_min_score, extended=False),
        "new": Corrector(vocab, min_score=params.text.fuzzy_min_score),
    }
    report: dict = {"sentences": len(lines), "seed": a.seed, "model": params.asr.model, "voices": groups, "groups": {}}
    for g, voices in groups.items():
        gl = [ln for _ in voices for ln in lines]
        graw = [h for v in voices for h in asr[v]]
        report["groups"][g] = {name: score(gl, graw, c, vocab) for name, c in correctors.items()}
        report["groups"][g]["per_voice"] = {
            v: {name: score(lines, asr[v], c, vocab) for name, c in correctors.items()} for v in voices
        }
        if a.show and g == "tuning":  # held-out transcripts are not looked at, only scored
            for v in voices:
                for ln, h in zip(lines, asr[v]):
                    outs = {name: c.correct(h)[1] for name, c in correctors.items()}
                    if any(outs.values()):
                        print(
                            f"[{v}] REF {ln.text}\n        ASR {h}\n        "
                            + "  ".join(f"{k}: {o}" for k, o in outs.items())
                        )
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report["groups"], indent=1))
    return report


if __name__ == "__main__":
    main()
