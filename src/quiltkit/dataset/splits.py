"""Train / val / test without leakage.

The unit of splitting is a *group*: all rows of one video (a lecture shows its slides again and
narrates them in similar words, so splitting a video's frames would leak), and for external
sources one image with its captions. Groups that share an image after deduplication (the same
picture in two videos, or in a video and a CSV) are merged first with union-find, so a
duplicate can never sit on both sides of a split. Each merged group then lands in a split by a
hash of (seed, source, group id) mapped to [0, 1): deterministic, independent of row order,
and stable when data is added (no existing group ever moves).
"""

from __future__ import annotations

import hashlib

from quiltkit.dataset.dedup import UnionFind


def unit(seed: int, key: str) -> float:
    d = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    return int.from_bytes(d[:8], "big") / 2**64


def group_key(source: str, video_id: str | None, image_id: str) -> str:
    return f"video:{video_id}" if video_id else f"{source}|image:{image_id}"


def assign_splits(
    groups: list[str], image_ids: list[str], seed: int, val_fraction: float, test_fraction: float
) -> list[str]:
    """One split per row, given each row's group key and (deduplicated) image id."""
    keys = sorted(set(groups))
    index = {k: i for i, k in enumerate(keys)}
    uf = UnionFind(len(keys))
    first_group_of_image: dict[str, int] = {}
    for g, im in zip(groups, image_ids):
        gi = index[g]
        if im in first_group_of_image:
            uf.union(gi, first_group_of_image[im])
        else:
            first_group_of_image[im] = gi
    comp_split: dict[int, str] = {}
    out = []
    for g in groups:
        root = uf.find(index[g])  # the smallest key of the component: independent of row order
        if root not in comp_split:
            u = unit(seed, keys[root])
            comp_split[root] = "test" if u < test_fraction else "val" if u < test_fraction + val_fraction else "train"
        out.append(comp_split[root])
    return out
