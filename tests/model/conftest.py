import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("QUILTKIT_NO_MLFLOW", "1")

import synthetic  # noqa: E402


@pytest.fixture(scope="session")
def tiny_data(tmp_path_factory):
    root = tmp_path_factory.mktemp("pairs")
    synthetic.write_shards(root / "shards", "train", 48, seed=1, per_shard=20)
    synthetic.write_shards(root / "shards", "val", 16, seed=2)
    patches, classnames = synthetic.write_eval(root / "eval", per_class=4)
    return {
        "root": root,
        "train": str(root / "shards" / "train-*.tar"),
        "val": str(root / "shards" / "val-*.tar"),
        "patches": str(patches),
        "classnames": str(classnames),
    }


@pytest.fixture(autouse=True)
def _threads():
    import torch

    torch.set_num_threads(1)
