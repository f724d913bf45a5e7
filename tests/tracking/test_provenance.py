"""Run provenance: the data a stage reads, as dvc.lock knows it while `dvc repro` runs the stage."""

import yaml

from quiltkit.tracking.provenance import data_hashes


def test_a_dep_another_stage_produces_has_that_stage_s_current_hash(tmp_path):
    # Mid-repro: the dataset stage has just rebuilt outputs/dataset (its outs entry is new), the
    # train stage is running and its own entry still lists the dataset it trained on last time.
    lock = {
        "schema": "2.0",
        "stages": {
            "dataset": {
                "cmd": "python stages/dataset.py",
                "outs": [{"path": "outputs/dataset", "hash": "md5", "md5": "new.dir"}],
            },
            "train": {
                "cmd": "python stages/train.py",
                "deps": [
                    {"path": "outputs/dataset", "hash": "md5", "md5": "old.dir"},
                    {"path": "src/quiltkit/model", "hash": "md5", "md5": "code.dir"},
                ],
                "outs": [{"path": "outputs/train/export", "hash": "md5", "md5": "model.dir"}],
            },
        },
    }
    (tmp_path / "dvc.lock").write_text(yaml.safe_dump(lock))
    (tmp_path / "data.dvc").write_text(yaml.safe_dump({"outs": [{"path": "data", "md5": "raw.dir"}]}))
    h = data_hashes(tmp_path, "train")
    assert h["dep:outputs/dataset"] == "new.dir"  # not the previous run's "old.dir"
    assert h["dep:src/quiltkit/model"] == "code.dir"  # code: the stage's entry (the commit pins it)
    assert h["data:data"] == "raw.dir"
    assert data_hashes(tmp_path, "never_ran") == {"data:data": "raw.dir"}
