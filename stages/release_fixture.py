"""Stage: a corpus quiltkit renders described as a Quilt-1M release, with the truth.

    python stages/release_fixture.py demo      data/demo    -> data/release_demo
    python stages/release_fixture.py holdout   data/holdout -> data/release_holdout

Always the rendered corpora, whatever download.corpus_dir names: the fixture's truth is the
renderer's."""

import json
import sys
from pathlib import Path

from quiltkit.config import DemoParams, ReleaseParams
from quiltkit.demo.release_fixture import build_release_fixture
from quiltkit.paths import RELEASE_FIXTURES as FIXTURES
from quiltkit.stage import stage_context

if __name__ == "__main__":
    corpus = sys.argv[1] if len(sys.argv) > 1 else "demo"
    if corpus not in FIXTURES:
        sys.exit(f"release_fixture: corpus {corpus!r} is not one of {sorted(FIXTURES)}")
    with stage_context("release_fixture" if corpus == "demo" else "release_fixture_holdout", section="release") as ctx:
        p = ctx.params
        src, out = FIXTURES[corpus]
        manifest = json.loads((src / "manifest.json").read_text(encoding="utf-8"))
        # the corpus's own render settings, so the true images are the frames it drew
        demo, demo_seed = DemoParams.model_validate(manifest["params"]), int(manifest["seed"])
        # only what the fixture is made by, so that no other release param re-runs it (and a
        # rejected value of one, say release.recon_csv, leaves demo/dvc.lock as it was)
        rp = ReleaseParams(
            fixture=p.release.fixture,
            min_stable_seconds=p.release.min_stable_seconds,
            crop_size=p.release.crop_size,
            fallback_ssim_max=p.release.fallback_ssim_max,
        )
        ctx.finish(build_release_fixture(src, demo, demo_seed, p.project.seed, rp, out, raw_root=Path(".")))
