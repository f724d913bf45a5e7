"""Cross-modal retrieval metrics with several captions per image.

Conventions (those of CLIP papers and CLIP_benchmark):
- text-to-image (t2i): every caption is a query; it is a hit at k if *its* image is among the
  k highest-scoring images. Averaged over captions.
- image-to-text (i2t): every image is a query; it is a hit at k if *any* of its captions is
  among the k highest-scoring captions. Averaged over images.
Ranks are 1-based: the rank of the first correct item (for i2t: the best-ranked of the image's
captions). Exact score ties count against the query: rank = 1 + number of wrong items scoring
at least as high as the best correct one. CLIP_benchmark's topk() breaks ties by index instead;
the two agree whenever scores are distinct (float embeddings of distinct inputs practically
always are). Being pessimistic matters for a collapsed model, whose identical embeddings tie
everything: an optimistic rule would hand it perfect recall.
Mean rank punishes a few hopeless queries, median rank shows the typical one; the
paper's retrieval tables report recall, ranks are here to make small demo numbers readable.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F

DEFAULT_KS = (1, 5, 10)


def _ranks(scores: torch.Tensor, positives: torch.Tensor) -> torch.Tensor:
    """For each row, the 1-based rank of its best-scoring positive column, ties pessimistic."""
    best_pos = scores.masked_fill(~positives, float("-inf")).max(dim=1).values
    return 1 + ((scores >= best_pos.unsqueeze(1)) & ~positives).sum(dim=1)


def retrieval_metrics(image_emb, text_emb, text_to_image: Sequence[int], ks: Sequence[int] = DEFAULT_KS) -> dict:
    """Recall@k both ways plus mean/median rank, from embeddings (normalised here)."""
    image_emb = F.normalize(torch.as_tensor(np.asarray(image_emb)).float(), dim=-1)
    text_emb = F.normalize(torch.as_tensor(np.asarray(text_emb)).float(), dim=-1)
    t2i = torch.as_tensor(np.asarray(text_to_image)).long()
    n_img, n_txt = len(image_emb), len(text_emb)
    if len(t2i) != n_txt:
        raise ValueError(f"text_to_image has {len(t2i)} entries for {n_txt} captions")
    if n_txt == 0 or n_img == 0:
        raise ValueError("retrieval needs at least one image and one caption")
    if int(t2i.min()) < 0 or int(t2i.max()) >= n_img:
        raise ValueError(f"caption points at image index out of range 0..{n_img - 1}")
    without = sorted(set(range(n_img)) - set(t2i.tolist()))
    if without:
        raise ValueError(f"{len(without)} images have no caption (first: index {without[0]})")

    scores = text_emb @ image_emb.T  # [T, I]
    positives = torch.zeros(n_txt, n_img, dtype=torch.bool)
    positives[torch.arange(n_txt), t2i] = True
    rank_t2i = _ranks(scores, positives)
    rank_i2t = _ranks(scores.T, positives.T)

    out: dict = {"n_images": n_img, "n_captions": n_txt}
    for k in ks:
        out[f"t2i_R{k}"] = float((rank_t2i <= k).double().mean())
        out[f"i2t_R{k}"] = float((rank_i2t <= k).double().mean())
    for name, r in (("t2i", rank_t2i), ("i2t", rank_i2t)):
        out[f"{name}_mean_rank"] = float(r.double().mean())
        out[f"{name}_median_rank"] = float(np.median(r.numpy()))
    return out
