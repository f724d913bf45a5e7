"""demo_params_check stage: params.yaml checked before the demo corpora (demo/dvc.yaml) are rebuilt.

The demo stages' outputs are folders the main pipeline's params_check depends on (data/demo is
the default corpus), so they cannot wait behind params_check: that would be a cycle. They wait
behind this check instead, which DVC runs only when the sections they read change (project.seed,
demo, holdout) and which, like params_check, loads and checks the whole file, so a bad
`-S demo.n_videos=abc` stops here, before DVC removes data/demo. Its output is constant, so a good
check re-runs nothing that did not change otherwise.
"""

from quiltkit.stage import stage_context, write_params_valid

if __name__ == "__main__":
    with stage_context("demo_params_check", section="demo") as ctx:
        write_params_valid("demo_params_check")
        ctx.finish({"valid": 1})
