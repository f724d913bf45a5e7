"""ASR models and settings compared on the demo and the held-out corpus: WER, medical-term recall,
real-time factor and peak memory -> metrics/asr_bench.json.

    PYTHONPATH=src python benchmarks/asr_bench.py [--models tiny.en,base] [--corpora demo,holdout]
        [--settings default] [--limit N] [--threads T] [--languages base] [--out metrics/asr_bench.json]

A model is any asr.model name (speech/asr_models.json: tiny.en, base; a CTranslate2 directory).
Each setting is the asr section of params.yaml with the model and one change:
    default     as in params.yaml (batch_size 4, vocabulary prompt)
    batch1      batch_size 1 (the sequential, non-batched faster-whisper decoder)
    no_prompt   initial_prompt "none"
    batch1_no_prompt  both
Every (model, corpus, setting) runs in a child process of its own, one video after another on
--threads threads, so its peak RSS (VmHWM) is that model's alone. The real-time factor is
transcription seconds / audio seconds as the stage records them (Transcript.seconds_elapsed:
decode + VAD + ASR + fallback passes), the model loaded before timing starts, as a stage worker
loads it once for all its videos. WER is against each corpus's ground truth, the sentences of a
video joined in order; term recall counts the ground truth's vocabulary terms found in the raw
transcript (quiltkit.scoring.wer), before the text stage's corrections.

--languages probes each named model's language detection on espeak-ng speech in English, German,
French and Spanish, on music and on silence (quiltkit.demo.speech_samples).

Timings on a shared machine are noisy: compare the models within one run, not across runs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from quiltkit.config import load_params  # noqa: E402
from quiltkit.io import write_json  # noqa: E402

VARIANTS = {
    "default": {},
    "batch1": {"batch_size": 1},
    "no_prompt": {"initial_prompt": "none"},
    "batch1_no_prompt": {"batch_size": 1, "initial_prompt": "none"},
}
CORPORA = {"demo": "data/demo", "holdout": "data/holdout"}


def run_setting(model: str, setting: str, corpus: Path, params_path: Path, threads: int, limit: int) -> dict:
    """One (model, setting) over one corpus's videos, in this process."""
    from quiltkit.contracts import GroundTruth
    from quiltkit.execution.memory import peak_rss_mb
    from quiltkit.scoring.wer import term_recall, word_error_rate
    from quiltkit.speech.stage_run import domain_prompt
    from quiltkit.speech.transcribe import get_backend, transcribe_file

    params = load_params(params_path).asr.model_copy(update={"model": model, **VARIANTS[setting]})
    videos = sorted((corpus / "videos").glob("*.mp4"))[: limit or None]
    if not videos:
        raise SystemExit(f"{corpus / 'videos'}: no .mp4 files")
    prompt = domain_prompt(params)
    t_load = time.perf_counter()
    get_backend(params, threads)  # load outside the timing
    load_s = time.perf_counter() - t_load
    audio_s = asr_s = 0.0
    refs, hyps, statuses, found, total = [], [], {}, 0, 0
    for v in videos:
        tr = transcribe_file(v, v.stem, params, prompt, cpu_threads=threads)
        statuses[tr.status] = statuses.get(tr.status, 0) + 1
        audio_s += tr.duration
        asr_s += tr.seconds_elapsed
        gt_path = corpus / "ground_truth" / f"{v.stem}.json"
        if gt_path.exists():
            gt = GroundTruth.read(gt_path)
            hyp = " ".join(s.text for s in tr.segments)
            refs.append(" ".join(s.text for s in gt.sentences))
            hyps.append(hyp)
            f, n = term_recall([t for s in gt.sentences for t in s.terms], hyp)
            found, total = found + f, total + n
    return {
        "model": model,
        "setting": setting,
        "corpus": corpus.name,
        "videos": len(videos),
        "statuses": statuses,
        "wer": round(word_error_rate(refs, hyps), 4) if refs else None,
        "term_recall": round(found / total, 4) if total else None,
        "terms": total,
        "audio_seconds": round(audio_s, 1),
        "asr_seconds": round(asr_s, 1),
        "real_time_factor": round(asr_s / audio_s, 4) if audio_s else None,
        "load_seconds": round(load_s, 2),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "cpu_threads": threads,
        "batch_size": params.batch_size,
        "prompt": prompt is not None,
    }


def language_probe(model: str, work: Path, threads: int) -> dict:
    """What `model` makes of a lecture opening in English, German, French and Spanish (espeak-ng),
    of music and of silence, through transcribe_file with params.yaml's asr settings."""
    import numpy as np

    from quiltkit.config import load_params
    from quiltkit.demo.encode import encode
    from quiltkit.demo.speech_samples import VOICE, chords, lecture_opening
    from quiltkit.speech.transcribe import transcribe_file
    from quiltkit.speech.tts import synthesize

    english = (
        "Welcome to this lecture on gastrointestinal pathology. "
        "Here we see colorectal adenocarcinoma with irregular glands."
    )
    sounds = {
        "en": synthesize(english, voice=VOICE["en"]),
        **{k: synthesize(lecture_opening(k), voice=VOICE[k]) for k in ("de", "fr", "es")},
        "music": (chords(12.0), 22050),
        "silence": (np.zeros(22050 * 4, np.int16), 22050),
    }
    params = load_params(REPO / "params.yaml").asr.model_copy(update={"model": model})
    work.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, (audio, rate) in sounds.items():
        path = work / f"{name}.mp4"
        n = int(len(audio) / rate * 2) + 1
        encode(path, lambda i: np.full((64, 64, 3), 128, np.uint8), n, audio, rate, 64, 64, 2, 30)
        t = transcribe_file(path, name, params, None, cpu_threads=threads)
        det = t.settings.get("language_detection")
        out[name] = {
            "status": t.status,
            "language": t.language,
            "probability": round(t.language_probability, 4) if t.language_probability is not None else None,
            "detection": det,
            "note": t.error,
        }
    return out


def in_child(model: str, setting: str, corpus: Path, params_path: Path, threads: int, limit: int) -> dict:
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        json.dumps([model, setting, str(corpus), str(params_path), threads, limit]),
    ]
    proc = subprocess.run(cmd, env={**os.environ, "PYTHONPATH": str(REPO / "src")}, stdout=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{model} / {setting} on {corpus} exited {proc.returncode}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def summary(rows: list[dict]) -> dict:
    """Per model, the corpora side by side (the default setting's rows)."""
    out: dict[str, dict] = {}
    for r in rows:
        if r["setting"] == "default":
            out.setdefault(r["model"], {})[r["corpus"]] = {
                k: r[k] for k in ("wer", "term_recall", "real_time_factor", "peak_rss_mb")
            }
    return out


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default="tiny.en,base")
    ap.add_argument("--corpora", default="demo,holdout", help=f"names ({', '.join(CORPORA)}) or corpus directories")
    ap.add_argument("--params", type=Path, default=REPO / "params.yaml")
    ap.add_argument("--settings", default="default")
    ap.add_argument("--limit", type=int, default=0, help="only the first N videos of each corpus")
    ap.add_argument(
        "--threads", type=int, default=0, help="CPU threads for CTranslate2 (0: asr.cpu_threads or all cores)"
    )
    ap.add_argument("--out", type=Path, default=REPO / "metrics" / "asr_bench.json")
    ap.add_argument("--languages", default="base", help="models whose language detection to probe ('' for none)")
    ap.add_argument("--work", type=Path, default=Path("/tmp/quiltkit-asr-bench"))
    ap.add_argument("--child", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child:
        model, setting, corpus, params_path, threads, limit = json.loads(a.child)
        print(json.dumps(run_setting(model, setting, Path(corpus), Path(params_path), threads, limit)))
        return {}
    for s in a.settings.split(","):
        if s not in VARIANTS:
            raise SystemExit(f"--settings: unknown setting {s!r}; choose from {sorted(VARIANTS)}")
    threads = a.threads or load_params(a.params).asr.cpu_threads or (os.cpu_count() or 1)
    corpora = [REPO / CORPORA.get(c, c) for c in a.corpora.split(",")]
    rows = []
    for corpus in corpora:
        for model in a.models.split(","):
            for s in a.settings.split(","):
                r = in_child(model, s, corpus, a.params, threads, a.limit)
                rows.append(r)
                print(json.dumps(r), flush=True)
    languages = {}
    for model in filter(None, a.languages.split(",")):
        languages[model] = language_probe(model, a.work / "languages" / model, threads)
        print(json.dumps({model: languages[model]}), flush=True)
    doc = {
        "rows": rows,
        "by_model": summary(rows),
        "language_detection": languages,
        "cpu_threads": threads,
        "cpu_count": os.cpu_count(),
    }
    write_json(a.out, doc)
    print(f"wrote {a.out}")
    return doc


if __name__ == "__main__":
    main()
