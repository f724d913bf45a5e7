"""Same seed -> identical corpus (GT and video bytes); different seed -> different; a re-run
replaces the old corpus cleanly."""

import hashlib

from quiltkit.contracts import GroundTruth
from quiltkit.demo.corpus import build_corpus
from quiltkit.demo.lecture import make_video

from .conftest import REPO


def _digest(p):
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_rebuild_is_identical_and_clean(corpus, tiny_params):
    root, out, _ = corpus
    before = {p.relative_to(out).as_posix(): _digest(p) for p in out.rglob("*") if p.is_file()}
    stray = out / "videos" / "stale_from_an_old_run.mp4"
    stray.write_bytes(b"old")
    killed = out.parent / ".demo.tmp-99999999"  # what a kill -9 mid-build leaves behind
    (killed / "videos").mkdir(parents=True)
    build_corpus(tiny_params, seed=7, out=out, root=root, raw_root=REPO, workers=1)
    after = {p.relative_to(out).as_posix(): _digest(p) for p in out.rglob("*") if p.is_file()}
    assert not stray.exists() and not killed.exists()
    assert after == before  # every file, mp4 included, byte for byte
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".demo")]


def test_different_seed_gives_a_different_video(corpus, tiny_params, tmp_path):
    _, out, _ = corpus
    gt = make_video("demo_000", 0, 8, tiny_params, tmp_path, tmp_path, REPO)
    ref = GroundTruth.read(out / "ground_truth" / "demo_000.json")
    assert gt.model_dump() != ref.model_dump()
    assert _digest(tmp_path / "demo_000.mp4") != _digest(out / "videos" / "demo_000.mp4")
