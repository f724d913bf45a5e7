"""Stage: build the synthetic demo corpus (data/demo) that every later stage measures against."""

from pathlib import Path

from quiltkit.demo.corpus import build_corpus
from quiltkit.stage import stage_context

if __name__ == "__main__":
    with stage_context("demo") as ctx:
        p = ctx.params
        metrics = build_corpus(p.demo, p.project.seed, out=Path("data/demo"), root=Path("."), workers=p.project.workers)
        ctx.finish(metrics)
