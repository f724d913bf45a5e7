"""Scoring the curation pipeline against the demo corpus's exact ground truth.

  scenes.py     scene-boundary F1
  histology.py  histology keyframe precision / recall
  wer.py        ASR word error rate, vocabulary-term recall, negation accuracy
  pairs.py      image-text pair precision / recall (both aligners)
  curation.py   all of the above per video, aggregated for metrics/curation.json
  stage_run.py  the curation stage: the pipeline's corpus and the held-out one, side by side

Modules are imported where used, not here, so one scorer's import problem cannot take the others
down with it.
"""
