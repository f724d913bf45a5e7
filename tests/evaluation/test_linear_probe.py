from __future__ import annotations

import numpy as np
import pytest

from quiltkit.evaluation.linear_probe import Split, carve_validation, linear_probe, stratified_subset


def _blobs(n_per, seed, sep=3.0, d=8, k=3):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, d)) * sep
    y = np.repeat(np.arange(k), n_per)
    return Split((centres[y] + rng.normal(size=(len(y), d))).astype(np.float32), y)


def test_stratified_subset_keeps_every_class():
    labels = np.array([0] * 50 + [1] * 10 + [2] * 2)
    idx = stratified_subset(labels, 0.1, seed=0)
    counts = np.bincount(labels[idx], minlength=3)
    assert counts.tolist() == [5, 1, 1]
    assert not np.array_equal(idx, stratified_subset(labels, 0.1, seed=1))
    assert np.array_equal(idx, stratified_subset(labels, 0.1, seed=0))
    with pytest.raises(ValueError, match="fraction"):
        stratified_subset(labels, 0.0, 0)


def test_probe_learns_separable_features_and_reports_seed_spread():
    train = _blobs(30, 0)
    # Same centres for all three: rebuild val/test around the train centres.
    rng = np.random.default_rng(5)
    centres = np.stack([train.features[train.labels == c].mean(0) for c in range(3)])

    def around(n):
        y = np.repeat(np.arange(3), n)
        return Split((centres[y] + rng.normal(size=(len(y), 8))).astype(np.float32), y)

    out = linear_probe(train, around(20), around(10), fractions=[0.1, 1.0], seeds=[0, 1, 2], c_grid=[0.01, 1.0])
    assert set(out) == {"frac_0.1", "frac_1"}
    full, few = out["frac_1"], out["frac_0.1"]
    assert full["acc1_mean"] > 0.9 and full["n_train"] == 90 and few["n_train"] == 9
    assert full["n_seeds"] == 3 and len(full["C"]) == 3
    assert few["balanced_accuracy_std"] >= 0.0 and full["acc1_std"] == pytest.approx(0.0, abs=1e-9)


def test_probe_on_noise_is_near_chance():
    rng = np.random.default_rng(0)

    def noise(n):
        return Split(rng.normal(size=(n, 8)).astype(np.float32), np.arange(n) % 2)

    out = linear_probe(noise(80), noise(200), noise(40), fractions=[1.0], seeds=[0])
    assert 0.3 < out["frac_1"]["balanced_accuracy_mean"] < 0.7


def test_carve_validation_is_stratified():
    tr, va = carve_validation(_blobs(10, 0), fraction=0.2)
    assert np.bincount(va.labels).tolist() == [2, 2, 2] and len(tr.labels) == 24
