"""The text stage: every transcript -> outputs/text/<vid>.json, then metrics/text.json.

The merged vocabulary (core + HPO + ICD-10) is built here once, cached on disk under
text.vocab_cache_dir (HPO alone takes ~30 s to load), and workers read that one JSON file
instead of each loading the ontologies. A copy is kept beside the outputs as vocabulary.tsv
(not .json, so it never looks like a per-video file) for whoever wants to see what was matched.
"""

from __future__ import annotations

import logging
from pathlib import Path

from quiltkit.config import TextParams
from quiltkit.contracts import TextAnalysis
from quiltkit.execution.context import Execution
from quiltkit.execution.runner import run_videos, work_counts
from quiltkit.execution.tasks import VideoTask, invalidate
from quiltkit.io import atomic_write_text
from quiltkit.paths import safe_id
from quiltkit.text.analyze import analyze_task, warm_worker
from quiltkit.text.vocabulary import build_vocabulary, cache_key

log = logging.getLogger(__name__)


def text_metrics(out_dir: Path, video_ids: list[str]) -> dict:
    m = {
        "videos": len(video_ids),
        "ok": 0,
        "failed": 0,
        "skipped": 0,
        "sentences": 0,
        "roi_sentences": 0,
        "medical_sentences": 0,
        "entities": 0,
        "negated_entities": 0,
        "uncertain_entities": 0,
        "corrections": 0,
        "videos_with_llm": 0,
    }
    subpath: dict[str, int] = {}
    for ta in TextAnalysis.read_each(out_dir, video_ids, m):
        m["videos_with_llm"] += int(ta.llm_used)
        for s in ta.sentences:
            m["sentences"] += 1
            m["roi_sentences"] += s.role == "roi"
            m["medical_sentences"] += s.role == "medical"
            m["entities"] += len(s.entities)
            m["negated_entities"] += sum(e.negated for e in s.entities)
            m["uncertain_entities"] += sum(e.uncertain for e in s.entities)
            m["corrections"] += len(s.corrections)
        for label in ta.subpathology:
            subpath[label] = subpath.get(label, 0) + 1
    m["subpathology_videos"] = dict(sorted(subpath.items()))
    return m


def run_text(
    params: TextParams,
    asr_dir: Path,
    out_dir: Path,
    *,
    execution: Execution = Execution(),
) -> dict:
    asr_dir, out_dir = Path(asr_dir), Path(out_dir)
    transcripts = sorted(p for p in asr_dir.glob("*.json") if not p.name.startswith("."))
    tasks = [VideoTask(safe_id(p.stem), out_dir / f"{safe_id(p.stem)}.json", {"asr": str(p)}) for p in transcripts]
    invalidate(tasks, TextAnalysis, "text", "asr")
    todo = [t for t in tasks if not t.output.exists()]
    vocab_file = Path(params.vocab_cache_dir) / f"vocabulary-{cache_key(params.use_hpo, params.use_icd10)}.json"
    if todo:
        vocab = build_vocabulary(params.use_hpo, params.use_icd10, cache_dir=params.vocab_cache_dir)
        rows = ["concept_id\tterm\tsynonyms\tsubpathology\tsource"]
        rows += [
            f"{c.concept_id}\t{c.term}\t{'|'.join(c.synonyms)}\t{c.subpathology}\t{c.source}" for c in vocab.concepts
        ]
        atomic_write_text(out_dir / "vocabulary.tsv", "\n".join(rows) + "\n")
    args = {"vocab": str(vocab_file), "params": params.model_dump()}
    tasks = [VideoTask(t.video_id, t.output, {**t.args, **args}) for t in tasks]
    results = run_videos(
        analyze_task,
        tasks,
        execution,
        desc="text",
        warm=lambda: warm_worker(str(vocab_file), params),
    )
    for r in results:
        if r.status in ("skipped", "failed"):
            log.info("text: %s %s: %s", r.video_id, r.status, (r.error or "").splitlines()[0] if r.error else "")
    metrics = {**text_metrics(out_dir, [t.video_id for t in tasks]), **work_counts(results)}
    metrics.update(
        {
            "correction": params.correction,
            "llm": params.llm.enabled,
            "use_hpo": params.use_hpo,
            "use_icd10": params.use_icd10,
        }
    )
    return metrics
