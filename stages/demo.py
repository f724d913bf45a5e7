"""demo stage: the synthetic demo corpus (data/demo) that every later stage measures against."""

from quiltkit.demo.stage_run import run_demo
from quiltkit.paths import DATA
from quiltkit.stage import stage_context

if __name__ == "__main__":
    with stage_context("demo") as ctx:
        ctx.finish(run_demo(ctx.params.demo, DATA / "demo", ctx.execution))
