"""params_check stage: params.yaml checked against the schema, and every file it names outside
outputs/ checked to exist inside a folder dvc.yaml depends on, before any stage that reads them runs.

DVC removes a stage's outputs before it runs the stage, so a value or an input that fails only
inside the stage (`dvc exp run -S train.lr=abc`, a video list without its url column) would
already have cost that stage's finished outputs. Every stage depends on this one's output, so it
runs first whenever params.yaml or an input changes and stops `dvc repro` here: a bad value names
the key (stage_context loads and checks the whole file before an MLflow run starts); a missing
input names the key and the file (quiltkit.pipeline.inputs), and the stage's run ends FAILED.
Its output does not change with the values, so good params re-run nothing that did not change
otherwise.
"""

from quiltkit.pipeline.inputs import check_inputs
from quiltkit.stage import stage_context, write_params_valid

if __name__ == "__main__":
    with stage_context("params_check") as ctx:
        report = check_inputs(ctx.params)
        write_params_valid("params_check")
        ctx.finish({"valid": 1, **report.summary()})
