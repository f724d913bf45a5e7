"""Evaluation of CLIP-style models the way the Quilt-1M paper does it (CLIP_benchmark style).

zeroshot       prompt-ensemble classifiers and classification metrics
features       image/text embeddings with an on-disk cache (outputs/eval/features)
linear_probe   logistic regression on frozen features, few-shot fractions, C search
retrieval      image<->text Recall@k, mean/median rank, several captions per image
adapters/      one reader per benchmark, each from the layout the dataset ships in
models         "trained" / "untrained" / "name:path" -> an open_clip model
runner         the evaluate stage: every model x every dataset -> one comparison table
gate           metric-regression gate behind scripts/check_metrics.py
"""
