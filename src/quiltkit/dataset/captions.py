"""Per-image captions beyond the single sentence.

The Quilt release has one row per (image, sentence). A single sentence is often a fragment
("and here you see it again"), so for every video image we add one *combined* row: its sentences
joined in time order, ROI sentences (what to look at) first because they are the best captions.
Identical captions of one image (a lecturer repeating themselves, or the same title in two
sources) collapse to one row.
"""

from __future__ import annotations

import re
from dataclasses import replace

from quiltkit.dataset.rows import Row

MAX_COMBINED_CHARS = 600


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower())


def combined_rows(rows: list[Row], image_of: dict[str, str]) -> list[tuple[str, Row]]:
    """(image_id, row): one combined row per video image with two or more sentences. `image_of`
    maps a row's pair_id to its deduplicated image id."""
    by_image: dict[str, list[Row]] = {}
    for r in rows:
        if r.source_kind == "quilt_video" and r.text_kind == "sentence" and r.pair_id in image_of:
            by_image.setdefault(image_of[r.pair_id], []).append(r)
    out = []
    for image_id, rs in sorted(by_image.items()):
        if len(rs) < 2:
            continue  # the combined caption would just repeat the single sentence
        rs = sorted(rs, key=lambda r: (not r.roi_text, r.start or 0.0))
        texts, seen = [], set()
        for r in rs:
            if norm(r.caption) not in seen:
                seen.add(norm(r.caption))
                texts.append(r.caption)
        caption = " ".join(texts)
        if len(caption) > MAX_COMBINED_CHARS:
            caption = caption[:MAX_COMBINED_CHARS].rsplit(" ", 1)[0]
        first = rs[0]
        out.append(
            (
                image_id,
                replace(
                    first,
                    pair_id=f"{image_id}-combined",
                    caption=caption,
                    text_kind="combined",
                    roi_text=" ".join(r.roi_text for r in rs if r.roi_text),
                    med_text=" ".join(r.med_text for r in rs if r.med_text),
                    keywords=list(dict.fromkeys(k for r in rs for k in r.keywords)),
                    noisy_text=" ".join(r.noisy_text for r in sorted(rs, key=lambda r: r.start or 0.0)),
                    corrected_text=" ".join(r.corrected_text for r in sorted(rs, key=lambda r: r.start or 0.0)),
                    med_umls_ids=sorted({c for r in rs for c in r.med_umls_ids}),
                    pathology=sorted({c for r in rs for c in r.pathology}),
                    start=min(r.start or 0.0 for r in rs),
                    end=max(r.end or 0.0 for r in rs),
                    score=max(r.score for r in rs),
                ),
            )
        )
    return out


def collapse_duplicate_captions(rows: list[Row], image_of: dict[str, str]) -> tuple[list[Row], int]:
    """Keep the first row of each (image, normalised caption); rows are assumed in priority order."""
    seen = set()
    kept = []
    for r in rows:
        k = (image_of[r.pair_id], norm(r.caption))
        if k in seen:
            continue
        seen.add(k)
        kept.append(r)
    return kept, len(rows) - len(kept)
