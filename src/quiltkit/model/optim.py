"""Optimiser and schedule exactly as open_clip's training script builds them.

Weight decay is a pull towards zero. That is a sensible prior for weight matrices, but for gains
and biases (LayerNorm/BatchNorm scales and shifts), embeddings tables and the learnable
temperature it only distorts the model, so open_clip excludes every parameter with fewer than two
dimensions or with 'bn', 'ln', 'bias' or 'logit_scale' in its name. We reproduce that rule.
"""

from __future__ import annotations

import math

import torch


def excluded_from_decay(name: str, param: torch.nn.Parameter) -> bool:
    return param.ndim < 2 or "bn" in name or "ln" in name or "bias" in name or "logit_scale" in name


def param_groups(model: torch.nn.Module, weight_decay: float) -> list[dict]:
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if not p.requires_grad:  # locked towers stay out of the optimiser entirely
            continue
        (no_decay if excluded_from_decay(name, p) else decay).append(p)
    return [
        {"params": no_decay, "weight_decay": 0.0},
        {"params": decay, "weight_decay": weight_decay},
    ]


def build_optimizer(model: torch.nn.Module, lr: float, weight_decay: float, betas=(0.9, 0.98), eps: float = 1e-6):
    # open_clip's defaults for ViT models: beta2 0.98, eps 1e-6. The fused kernel matters on CPU:
    # even the tiny model carries a 49k x 128 token table, and fused AdamW updated it ~3.5x faster
    # than the foreach path here (0.23 s vs 0.81 s per step on the loaded 2-core machine).
    groups = param_groups(model, weight_decay)
    params = [p for g in groups for p in g["params"]]
    fused = bool(params) and all(p.device.type in ("cpu", "cuda") and p.dtype.is_floating_point for p in params)
    return torch.optim.AdamW(groups, lr=lr, betas=betas, eps=eps, fused=fused or None)


def warmup_cosine(warmup_steps: int, total_steps: int):
    """LambdaLR factor: linear warmup to 1, then cosine to 0 at total_steps (open_clip `cosine_lr`)."""
    total_steps = max(total_steps, 1)
    warmup_steps = min(warmup_steps, total_steps - 1) if total_steps > 1 else 0

    def factor(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        e = step - warmup_steps
        es = max(total_steps - warmup_steps, 1)
        return 0.5 * (1 + math.cos(math.pi * min(e, es) / es))

    return factor
