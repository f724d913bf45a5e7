"""All pairs of 64-bit hashes within Hamming distance k, without comparing all pairs.

Multi-index hashing (Norouzi et al.): split the 64 bits into m bands. If two hashes differ in at
most k bits, some band differs in at most r = floor(k / m) bits (pigeonhole). So candidates are
pairs that agree on some band up to r bit flips, and only candidates are verified with a popcount.

To find "agree up to r flips" by sorting instead of enumerating neighbours per query, both sides
flip up to s = ceil(r / 2) bits and we join on equality: two band values at distance d <= 2s
share a variant (flip half of the differing bits on each side). Each hash contributes
V = sum_{i<=s} C(b, i) variants per band; equal variants meet in one sorted run.

m is chosen per call to minimise the expected work: variants generated (m V n) plus candidate
pairs (m (V n)^2 / 2^(b+1), the random-collision load of a band of b bits). For k = 6 and up to a
few million hashes that is m = 3 bands of ~21 bits with one flip per side: per-hash work stays
constant while n grows, which is what keeps the search sub-quadratic.
"""

from __future__ import annotations

from itertools import combinations
from math import comb

import numpy as np


def _bands(m: int) -> list[tuple[int, int]]:
    """(shift, width) of m bands covering 64 bits, widths differing by at most one."""
    widths = [64 // m + (1 if i < 64 % m else 0) for i in range(m)]
    out, shift = [], 0
    for w in widths:
        out.append((shift, w))
        shift += w
    return out


def plan(n: int, k: int) -> tuple[int, int]:
    """(bands m, flips per side s) minimising the expected work for n hashes and radius k."""
    best = None
    for m in range(1, k + 2):
        r = k // m
        s = (r + 1) // 2
        b = 64 // m
        if b > 40:  # a 64- or 32-bit band cannot index variants compactly; never the best anyway
            continue
        v = sum(comb(b, i) for i in range(s + 1))
        cost = m * v * n + m * (v * n) ** 2 / 2 ** (b + 1)
        if best is None or cost < best[0]:
            best = (cost, m, s)
    return (best[1], best[2]) if best else (k + 1, 0)


def _popcount(x: np.ndarray) -> np.ndarray:
    return np.bitwise_count(x)


def near_duplicate_pairs(hashes: np.ndarray, k: int, chunk: int = 1 << 22) -> np.ndarray:
    """Index pairs (i < j) with popcount(h_i ^ h_j) <= k, as an (P, 2) int64 array, sorted.

    Identical hashes are collapsed first (a thousand copies of one slide would otherwise make a
    thousand-long run in every band), then expanded back into all their pairs.
    """
    h = np.asarray(hashes, dtype=np.uint64)
    n = len(h)
    if n < 2:
        return np.zeros((0, 2), dtype=np.int64)
    uniq, inverse = np.unique(h, return_inverse=True)
    pairs_u = _unique_pairs(uniq, k, chunk) if len(uniq) > 1 else np.zeros((0, 2), dtype=np.int64)
    # expand: members of each unique value, all pairs among identical ones and across pairs
    order = np.argsort(inverse, kind="stable")
    starts = np.searchsorted(inverse[order], np.arange(len(uniq)))
    ends = np.searchsorted(inverse[order], np.arange(len(uniq)), side="right")
    out = []
    multi = np.nonzero(ends - starts > 1)[0]
    for u in multi:
        members = order[starts[u] : ends[u]]
        out.extend(combinations(sorted(members.tolist()), 2))
    simple = ends - starts == 1
    if len(pairs_u):
        a, b = pairs_u[:, 0], pairs_u[:, 1]
        both_single = simple[a] & simple[b]
        ia, ib = order[starts[a[both_single]]], order[starts[b[both_single]]]
        res = [np.stack([np.minimum(ia, ib), np.maximum(ia, ib)], axis=1)]
        for ua, ub in pairs_u[~both_single].tolist():
            for x in order[starts[ua] : ends[ua]].tolist():
                for y in order[starts[ub] : ends[ub]].tolist():
                    res.append(np.array([[min(x, y), max(x, y)]]))
    else:
        res = []
    if out:
        res.append(np.array(out, dtype=np.int64).reshape(-1, 2))
    if not res:
        return np.zeros((0, 2), dtype=np.int64)
    allp = np.concatenate(res).astype(np.int64)
    allp = allp[np.lexsort((allp[:, 1], allp[:, 0]))]
    return allp


def _variants(vals: np.ndarray, width: int, s: int) -> tuple[np.ndarray, np.ndarray]:
    """All values at <= s flipped bits of each band value, with the owning index."""
    n = len(vals)
    masks = [0]
    for r in range(1, s + 1):
        for bits in combinations(range(width), r):
            masks.append(sum(1 << b for b in bits))
    masks_a = np.array(masks, dtype=np.uint64)
    var = (vals[:, None] ^ masks_a[None, :]).ravel()
    owner = np.repeat(np.arange(n, dtype=np.int64), len(masks))
    return var, owner


def _unique_pairs(h: np.ndarray, k: int, chunk: int) -> np.ndarray:
    n = len(h)
    m, s = plan(n, k)
    found = []
    for shift, width in _bands(m):
        vals = (h >> np.uint64(shift)) & np.uint64((1 << width) - 1)
        var, owner = _variants(vals, width, s)
        order = np.argsort(var, kind="stable")
        var, owner = var[order], owner[order]
        # equal variants sit in runs; walk the runs by offset d: (i, i+d) in one run is a candidate
        d = 1
        while d < len(var):
            eq = var[:-d] == var[d:]
            if not eq.any():
                break
            idx = np.nonzero(eq)[0]
            for lo in range(0, len(idx), chunk):
                sel = idx[lo : lo + chunk]
                a, b = owner[sel], owner[sel + d]
                keep = a != b
                a, b = a[keep], b[keep]
                close = _popcount(h[a] ^ h[b]) <= k
                if close.any():
                    a, b = a[close], b[close]
                    found.append(np.stack([np.minimum(a, b), np.maximum(a, b)], axis=1))
            d += 1
    if not found:
        return np.zeros((0, 2), dtype=np.int64)
    allp = np.unique(np.concatenate(found), axis=0)
    return allp


def brute_force_pairs(hashes: np.ndarray, k: int) -> np.ndarray:
    """The O(n^2) reference the tests compare against."""
    h = np.asarray(hashes, dtype=np.uint64)
    out = []
    for i in range(len(h)):
        d = _popcount(h[i] ^ h[i + 1 :])
        for j in np.nonzero(d <= k)[0]:
            out.append((i, i + 1 + int(j)))
    return np.array(out, dtype=np.int64).reshape(-1, 2)
