"""Exact and near-duplicate images, within and across sources.

Exact: equal sha256 of decoded pixels. Near: perceptual hashes within `near_dup_hamming` bits,
found with multi-index hashing (neardup.py), then grouped transitively (union-find): if A~B and
B~C, all three collapse to one image. Each group keeps one representative, chosen so that the
richest metadata survives: a video frame (it has sentences, entities, magnification) over an
external image, then the larger image, then the smaller hash (for determinism).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from quiltkit.dataset.neardup import near_duplicate_pairs


class UnionFind:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


@dataclass
class ImageInfo:
    key: str  # identity of the reference (path or bytes digest)
    sha: str
    phash: int
    width: int
    height: int
    from_video: bool


@dataclass
class DedupResult:
    representative: dict[str, str]  # image key -> representative image key
    exact_dups: int  # images removed because another had identical pixels
    near_dups: int  # distinct-pixel images removed as near-duplicates
    groups: int


def dedup_images(infos: list[ImageInfo], near_dup_hamming: int) -> DedupResult:
    # 1. exact: one entry per distinct pixel hash
    by_sha: dict[str, list[int]] = {}
    for i, info in enumerate(infos):
        by_sha.setdefault(info.sha, []).append(i)
    shas = list(by_sha)
    exact_dups = sum(len(v) - 1 for v in by_sha.values())
    # 2. near: pHash pairs among distinct-pixel images, grouped transitively
    uf = UnionFind(len(shas))
    hashes = np.array([infos[by_sha[s][0]].phash for s in shas], dtype=np.uint64)
    for a, b in near_duplicate_pairs(hashes, near_dup_hamming).tolist():
        uf.union(a, b)
    groups: dict[int, list[int]] = {}
    for i in range(len(shas)):
        groups.setdefault(uf.find(i), []).append(i)

    def rank(i: int):
        info = infos[i]
        return (not info.from_video, -(info.width * info.height), info.sha, info.key)

    rep: dict[str, str] = {}
    for members in groups.values():
        all_idx = [i for m in members for i in by_sha[shas[m]]]
        best = min(all_idx, key=rank)
        for i in all_idx:
            rep[infos[i].key] = infos[best].key
    near_dups = len(shas) - len(groups)
    return DedupResult(rep, exact_dups, near_dups, len(groups))


def leaking_keys(infos: list[ImageInfo], eval_hashes: list[int], eval_shas: set[str], hamming: int) -> set[str]:
    """Keys of dataset images that match an evaluation image (same pixels, or pHash within
    `hamming`). Searched in one index over both sets, keeping only the cross pairs."""
    leaked = {info.key for info in infos if info.sha in eval_shas}
    if not eval_hashes or not infos:
        return leaked
    n = len(infos)
    allh = np.array([i.phash for i in infos] + list(eval_hashes), dtype=np.uint64)
    for a, b in near_duplicate_pairs(allh, hamming).tolist():
        if a < n <= b:
            leaked.add(infos[a].key)
    return leaked
