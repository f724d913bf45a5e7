"""Transcript in, TextAnalysis out: the per-video unit of the text stage.

Order matters. Sentences are cut from the *noisy* word stream first (times come from words),
then each sentence is corrected (vocabulary corrector, then the LLM when enabled), and entities,
negation and roles are read from the corrected text, because "nemoplastic" matches no rule.
The vocabulary, corrector and medspaCy pipeline are built once per worker process.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

from quiltkit.config import TextParams
from quiltkit.contracts import ContractError, Sentence, TextAnalysis, Transcript
from quiltkit.text.correction import Corrector
from quiltkit.text.entities import extract_entities, get_nlp
from quiltkit.text.keywords import rake
from quiltkit.text.llm import LlmError
from quiltkit.text.roles import rule_role, video_subpathology
from quiltkit.text.sentences import build_sentences
from quiltkit.text.vocabulary import Vocabulary

log = logging.getLogger(__name__)


@lru_cache(maxsize=2)
def vocabulary_from_file(path: str) -> Vocabulary:
    return Vocabulary.from_json(Path(path).read_text(encoding="utf-8"))


@lru_cache(maxsize=4)
def _corrector(vocab: Vocabulary, min_score: float) -> Corrector:  # Vocabulary hashes by identity
    return Corrector(vocab, min_score=min_score)


def analyze_transcript(transcript: Transcript, vocab: Vocabulary, params: TextParams, llm=None) -> TextAnalysis:
    if transcript.status != "ok":
        return TextAnalysis(
            video_id=transcript.video_id,
            status="skipped",
            error=f"asr status {transcript.status}: {transcript.error or ''}".strip(),
        )
    corrector = _corrector(vocab, params.fuzzy_min_score) if params.correction else None
    nlp = get_nlp(vocab, params.umls_quickumls_path)
    hint_terms = [c.term for c in sorted(vocab.core(), key=lambda c: -c.weight)[:60]]
    sentences: list[Sentence] = []
    llm_used = False
    llm_errors: list[str] = []
    for i, ts in enumerate(build_sentences(transcript)):
        corrected, fixes = corrector.correct(ts.text) if corrector else (ts.text, [])
        if llm is not None and params.llm.correct and not llm_errors:
            try:
                llm_text = llm.correct(corrected, hint_terms)
                if llm_text != corrected:
                    fixes.append((corrected, llm_text))
                    corrected = llm_text
                llm_used = True
            except LlmError as err:  # the endpoint is down: the rules still give a result
                llm_errors.append(str(err))
        entities = extract_entities(nlp, vocab, corrected)
        role = rule_role(corrected, entities)
        if llm is not None and params.llm.roles and not llm_errors:
            try:
                role = llm.role(corrected) or role
                llm_used = True
            except LlmError as err:
                llm_errors.append(str(err))
        sentences.append(
            Sentence(
                index=i,
                start=ts.start,
                end=ts.end,
                noisy_text=ts.text,
                corrected_text=corrected,
                role=role,
                entities=entities,
                corrections=[tuple(f) for f in fixes],
            )
        )
    full_text = " ".join(s.corrected_text for s in sentences)
    return TextAnalysis(
        video_id=transcript.video_id,
        sentences=sentences,
        keywords=rake(full_text, top_k=params.keywords_per_chunk) if params.keywords_per_chunk else [],
        subpathology=video_subpathology([s.entities for s in sentences]),
        llm_used=llm_used,
        error=(
            f"LLM disabled for the rest of this video after: {llm_errors[0]}"
            if llm_errors
            else None
            if sentences
            else (transcript.error or "no speech in transcript")
        ),
    )


def warm_worker(vocab_path: str, params: TextParams) -> None:
    """Build, in this process, everything analyze_task needs (see run_videos' `warm`)."""
    vocab = vocabulary_from_file(vocab_path)
    if params.correction:
        _corrector(vocab, params.fuzzy_min_score)
    get_nlp(vocab, params.umls_quickumls_path)


def analyze_task(task) -> dict:
    """runner entry point: task.args = {asr, vocab (merged vocabulary JSON), params (TextParams dict)}."""
    params = TextParams.model_validate(task.args["params"])
    try:
        transcript = Transcript.read(task.args["asr"])
    except ContractError as err:
        result = TextAnalysis(video_id=task.video_id, status="failed", error=str(err))
    else:
        vocab = vocabulary_from_file(task.args["vocab"])
        llm = None
        if params.llm.enabled:
            from quiltkit.text.llm import LlmClient

            llm = LlmClient(params.llm)
        result = analyze_transcript(transcript, vocab, params, llm)
    result.write(task.output)
    return {"status": result.status, "error": result.error}
