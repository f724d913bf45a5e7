"""Near-duplicate search over synthetic 64-bit perceptual hashes: time, growth, recall.

    PYTHONPATH=src python benchmarks/dedup_bench.py                 # 10k, 100k
    PYTHONPATH=src python benchmarks/dedup_bench.py --sizes 10000 100000 1000000

Each run draws n random hashes and plants n/100 near-duplicates (a copy of a random hash with
0..k random bits flipped). It reports the seconds per size, the growth of the time per 10x more
hashes (quadratic search would grow 100x; ours should stay near 10-20x), and the recall of the
planted pairs (must be 1.0: multi-index hashing is exact, not approximate).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from quiltkit.dataset.neardup import near_duplicate_pairs, plan


def make(n: int, k: int, seed: int) -> tuple[np.ndarray, set[tuple[int, int]]]:
    rng = np.random.default_rng(seed)
    n_plant = max(1, n // 100)
    base = rng.integers(0, 2**64, size=n - n_plant, dtype=np.uint64, endpoint=False)
    src = rng.integers(0, len(base), size=n_plant)
    flips = np.zeros(n_plant, dtype=np.uint64)
    for i in range(n_plant):
        bits = rng.choice(64, size=int(rng.integers(0, k + 1)), replace=False)
        flips[i] = np.uint64(sum(1 << int(b) for b in bits))
    h = np.concatenate([base, base[src] ^ flips])
    planted = {(int(s), len(base) + i) for i, s in enumerate(src)}
    return h, planted


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--hamming", type=int, default=6)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    prev = None
    print(f"{'n':>9} {'bands':>5} {'flips':>5} {'seconds':>8} {'growth':>7} {'pairs':>8} {'recall':>6}")
    for n in a.sizes:
        h, planted = make(n, a.hamming, a.seed)
        t0 = time.perf_counter()
        pairs = near_duplicate_pairs(h, a.hamming)
        dt = time.perf_counter() - t0
        found = {(int(x), int(y)) for x, y in pairs}
        recall = sum(1 for p in planted if p in found) / len(planted)
        growth = f"{dt / prev[1]:.1f}x" if prev else "-"
        m, s = plan(len(np.unique(h)), a.hamming)
        print(f"{n:>9} {m:>5} {s:>5} {dt:>8.2f} {growth:>7} {len(pairs):>8} {recall:>6.3f}", flush=True)
        if prev:
            print(
                f"          size x{n / prev[0]:.0f} -> time x{dt / prev[1]:.1f} "
                f"(quadratic would be x{(n / prev[0]) ** 2:.0f})"
            )
        prev = (n, dt)


if __name__ == "__main__":
    main()
