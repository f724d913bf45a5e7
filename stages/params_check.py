"""params_check stage: params.yaml checked against the schema before any stage that reads it runs.

DVC removes a stage's outputs before it runs the stage, so a value that fails only inside the
stage (`dvc exp run -S train.lr=abc`) would already have cost that stage's finished outputs.
Every stage depends on this one's output, so it runs first whenever params.yaml changes and
stops `dvc repro` there on a bad value, naming the key (stage_context loads and checks the whole
file); its output does not change with the values, so good params re-run nothing that did not
change otherwise.
"""
from quiltkit.io import write_json
from quiltkit.paths import OUTPUTS
from quiltkit.stage import stage_context

if __name__ == "__main__":
    with stage_context("params_check") as ctx:
        write_json(OUTPUTS / "params_check.json", {"params.yaml": "valid against quiltkit.config.Params"})
        ctx.finish({"valid": 1})
