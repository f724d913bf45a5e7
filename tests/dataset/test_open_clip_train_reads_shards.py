"""The dataset stage's outputs feed open_clip's own trainer unchanged.

The promise of the webdataset shards and the openclip_<split>.csv files is that
`python -m open_clip_train.main` (shipped in the open_clip_torch 3.3 wheel) trains on them with
no conversion. This runs that trainer for one epoch on CPU, as a subprocess, on a dataset built
by the stage function from the synthetic repository of the other dataset tests, with the repo's
smallest model config (quiltkit-micro: a 2-layer ViT at 32 px). A small wrapper registers the
config with open_clip.add_model_config and then hands argv to open_clip_train.main.main.

One known incompatibility sits between the two pinned packages, not in our shards: webdataset
>= 0.2.96 (1.0.2 here) ends every shard with an empty EOF dict that open_clip_train 3.3's
group_by_keys_nothrow indexes as a file ("KeyError: 'fname'"; webdataset#384, open_clip#935).
The wrapper applies the fix given there (eof_value=None); test_unpatched_trainer_hits_the_known_bug
pins the incompatibility down, so it fails, and says so, once either package fixes it.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import pandas as pd
import pytest

from quiltkit.config import DatasetParams
from quiltkit.dataset.stage_run import build_dataset
from quiltkit.execution.context import Execution
from tests.dataset.synth_corpus import make_corpus

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
MICRO = REPO / "src/quiltkit/model/configs/quiltkit-micro.json"
WRAPPER = """
import sys
import open_clip
import open_clip_train.data as ocd
from open_clip_train.main import main

def tarfile_to_samples_nothrow(src, handler=ocd.log_and_continue):
    # open_clip#935: the same pipeline, without webdataset's per-shard EOF marker
    files = ocd.tar_file_expander(ocd.url_opener(src, handler=handler), handler=handler, eof_value=None)
    return ocd.group_by_keys_nothrow(files, handler=handler)

ocd.tarfile_to_samples_nothrow = tarfile_to_samples_nothrow
open_clip.add_model_config(sys.argv[1])
main(sys.argv[2:])
"""
LOSS = re.compile(r"Loss: ([0-9.]+)")


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    root = tmp_path_factory.mktemp("repo")
    cfg = make_corpus(root)
    # one shard per split, so the brace pattern below names exactly the stage's file
    params = DatasetParams(
        external_sources=cfg["sources"],
        eval_sets=cfg["eval_sets"],
        val_fraction=0.2,
        test_fraction=0.1,
        shard_size=1000,
        image_size=64,
    )
    build_dataset(params, root / "outputs/pairs", root / "outputs/dataset", Execution(seed=1337, root=root))
    return root, root / "outputs/dataset"


def _train(root: Path, data_args: list[str], name: str) -> str:
    wrapper = root / "oc_wrapper.py"
    wrapper.write_text(WRAPPER)
    logs = root / "oc_logs"
    argv = [
        sys.executable,
        str(wrapper),
        str(MICRO),
        "--model",
        "quiltkit-micro",
        *data_args,
        "--batch-size",
        "4",
        "--epochs",
        "1",
        "--workers",
        "0",
        "--device",
        "cpu",
        "--precision",
        "fp32",
        "--lr",
        "1e-3",
        "--warmup",
        "1",
        "--log-every-n-steps",
        "1",
        "--zeroshot-frequency",
        "0",
        "--save-frequency",
        "0",
        "--logs",
        str(logs),
        "--name",
        name,
        "--seed",
        "0",
    ]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO / "src")}
    # cwd = the repository root: the CSV's file paths are relative to it, as in the pipeline
    p = subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True, timeout=300)
    out = p.stdout + p.stderr
    assert p.returncode == 0, out[-4000:]
    log = (logs / name / "out.log").read_text()
    return log


def _assert_trained(log: str, total: int) -> None:
    losses = [float(x) for x in LOSS.findall(log)]
    assert losses, log[-3000:]
    assert all(math.isfinite(x) and x > 0 for x in losses)
    # open_clip logs "Train Epoch: 0 [seen/total (pct)]": it saw as many samples as we gave it
    # and reached the end of the epoch
    assert "Train Epoch: 0" in log and f"/{total}(100%)]" in log.replace(" ", ""), log[-3000:]


def test_webdataset_shards_train_open_clip(dataset):
    root, out = dataset
    shard = out / "shards" / "train-000000.tar"
    assert shard.exists() and not (out / "shards" / "train-000001.tar").exists()
    with tarfile.open(shard) as t:
        n = sum(m.name.endswith(".png") for m in t.getmembers())
    assert n >= 8
    n_used = n // 4 * 4  # full batches
    log = _train(
        root,
        [
            "--train-data",
            str(out / "shards" / "train-{000000..000000}.tar"),
            "--dataset-type",
            "webdataset",
            "--train-num-samples",
            str(n_used),
        ],
        "wds",
    )
    _assert_trained(log, n_used)


def test_openclip_csv_trains_open_clip(dataset):
    root, out = dataset
    csv = out / "openclip_train.csv"
    n = len(pd.read_csv(csv))
    assert n >= 8
    log = _train(
        root,
        [
            "--train-data",
            str(csv),
            "--dataset-type",
            "csv",
            "--csv-separator",
            ",",
            "--csv-img-key",
            "filepath",
            "--csv-caption-key",
            "title",
        ],
        "csv",
    )
    _assert_trained(log, n)


def test_unpatched_trainer_hits_the_known_bug(dataset):
    from open_clip_train.data import tarfile_to_samples_nothrow

    _, out = dataset
    src = [{"url": str(out / "shards" / "train-000000.tar")}]
    with pytest.raises(KeyError, match="fname"):
        list(tarfile_to_samples_nothrow(src))
