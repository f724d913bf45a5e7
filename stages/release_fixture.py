"""release_fixture stage: a corpus quiltkit renders described as a Quilt-1M release, with the truth.

python stages/release_fixture.py demo      data/demo    -> data/release_demo
python stages/release_fixture.py holdout   data/holdout -> data/release_holdout
"""

import sys

from quiltkit.config import ReleaseParams
from quiltkit.demo.release_fixture import run_release_fixture
from quiltkit.stage import stage_context

if __name__ == "__main__":
    corpus = sys.argv[1] if len(sys.argv) > 1 else "demo"
    with stage_context("release_fixture" if corpus == "demo" else "release_fixture_holdout", section="release") as ctx:
        p = ctx.params
        # Only the crop and interval params shape a fixture (the four demo/dvc.yaml lists); the rest
        # of the section says which release the release stage rebuilds.
        fixture = ReleaseParams(
            fixture=p.release.fixture,
            min_stable_seconds=p.release.min_stable_seconds,
            crop_size=p.release.crop_size,
            fallback_ssim_max=p.release.fallback_ssim_max,
        )
        ctx.finish(run_release_fixture(fixture, corpus, ctx.execution))
