"""inputs_check stage: every file the params name outside outputs/ exists and lies in a folder
dvc.yaml depends on (quiltkit.pipeline.inputs), checked before any stage that reads one runs.

Every stage that reads such a file depends on this one's output, so a video list without its url
column, an eval set that is not there or a local video DVC cannot see stops `dvc repro` here,
naming the key and the file, with every earlier output as it was. Its output does not change with
the inputs, so a good check re-runs nothing that did not change otherwise.
"""
from quiltkit.io import write_json
from quiltkit.paths import OUTPUTS
from quiltkit.pipeline.inputs import check_inputs
from quiltkit.stage import stage_context

if __name__ == "__main__":
    with stage_context("inputs_check") as ctx:
        report = check_inputs(ctx.params)
        write_json(OUTPUTS / "inputs_check.json", {"inputs": "every outside input exists, inside the folder dvc.yaml watches"})
        ctx.finish(report.summary())
