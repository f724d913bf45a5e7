"""A tiny demo corpus, generated once per test session in a temp dir (~10 s on a loaded machine)."""

from pathlib import Path

import pytest

from quiltkit.config import DemoParams

REPO = Path(__file__).resolve().parents[2]

TINY = dict(
    n_videos=1,
    video_seconds=30,
    width=320,
    height=180,
    fps=24,
    eval_patches_per_class=5,
    retrieval_pairs=10,
    external_pairs=30,
    classifier_frames_per_class=8,
    patch_size=96,
)


@pytest.fixture(scope="session")
def tiny_params() -> DemoParams:
    return DemoParams(**TINY)


@pytest.fixture(scope="session")
def corpus(tmp_path_factory, tiny_params):
    from quiltkit.demo.corpus import build_corpus

    root = tmp_path_factory.mktemp("repo")
    out = root / "data" / "demo"
    metrics = build_corpus(tiny_params, seed=7, out=out, root=root, raw_root=REPO, workers=1)
    return root, out, metrics
