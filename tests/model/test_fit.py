"""Short fits of the micro model on synthetic shards: learning, export and resume-after-kill."""

import csv

import lightning as L
import pytest
import torch

from quiltkit.config import TrainParams
from quiltkit.model.export import load_exported
from quiltkit.model.training import run_training


class Killed(RuntimeError):
    pass


class KillAt(L.Callback):
    """Stands in for a `kill -9` at a given step: the run dies without any cleanup of its own."""

    def __init__(self, step):
        self.step = step

    def on_train_batch_end(self, trainer, *args):
        if trainer.global_step == self.step:
            raise Killed(self.step)


def _params(d, **kw):
    base = dict(
        model="quiltkit-micro",
        train_data=d["train"],
        val_data=d["val"],
        batch_size=8,
        epochs=2,
        lr=2e-3,
        warmup_steps=2,
        checkpoint_every_n_steps=4,
        eval_patches=d["patches"],
        eval_classnames=d["classnames"],
        threads=1,
    )
    base.update(kw)
    return TrainParams(**base)


def _losses(path):
    with open(path) as fh:
        return [(int(r["step"]), float(r["loss"])) for r in csv.DictReader(fh)]


@pytest.fixture(scope="module")
def uninterrupted(tiny_data, tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    metrics = run_training(_params(tiny_data), 7, out / "train", out / "plots", enable_progress_bar=False)
    return out, metrics


def test_fit_lowers_loss_and_writes_layout(uninterrupted):
    out, m = uninterrupted
    losses = [l for _, l in _losses(out / "plots" / "train_loss.csv")]
    assert m["steps"] == 12 and m["epochs"] == 2 and len(losses) == 12
    assert sum(losses[-3:]) / 3 < sum(losses[:3]) / 3 - 0.05
    for f in [
        "checkpoints/last.ckpt",
        "checkpoints/best.ckpt",
        "export/model.pt",
        "export/model_config.json",
        "export/info.json",
    ]:
        assert (out / "train" / f).exists(), f
    zs = (out / "plots" / "train_zeroshot.csv").read_text().splitlines()
    assert zs[0] == "epoch,balanced_accuracy,acc1" and len(zs) == 3
    assert m["best_val_loss"] is not None and 0 <= m["zeroshot_balanced_accuracy"] <= 1


def test_export_loads_in_plain_open_clip_with_identical_embeddings(uninterrupted, tiny_data):
    import open_clip

    out, _ = uninterrupted
    ckpt = torch.load(out / "train" / "checkpoints" / "last.ckpt", map_location="cpu", weights_only=True)
    trained = {k[len("model.") :]: v for k, v in ckpt["state_dict"].items() if k.startswith("model.")}
    open_clip.add_model_config(out / "train" / "export")
    plain, _, preprocess = open_clip.create_model_and_transforms(
        "quiltnet", pretrained=str(out / "train" / "export" / "model.pt"), weights_only=True
    )
    plain.eval()
    ours, preprocess2, tok = load_exported(out / "train" / "export")
    assert set(plain.state_dict()) == set(trained)
    assert all(torch.equal(plain.state_dict()[k], trained[k]) for k in trained)
    x = torch.randn(3, 3, 32, 32)
    t = tok(["adipose tissue", "lymphoid tissue", "fibrous stroma"])
    with torch.no_grad():
        assert torch.equal(plain.encode_image(x), ours.encode_image(x))
        assert torch.equal(plain.encode_text(t), ours.encode_text(t))


def test_resume_after_kill_equals_uninterrupted(uninterrupted, tiny_data, tmp_path):
    ref_out, ref = uninterrupted
    tp = _params(tiny_data)
    with pytest.raises(Killed):
        run_training(
            tp, 7, tmp_path / "train", tmp_path / "plots", enable_progress_bar=False, extra_callbacks=[KillAt(6)]
        )
    ckpt = torch.load(tmp_path / "train" / "checkpoints" / "last.ckpt", map_location="cpu", weights_only=True)
    assert ckpt["global_step"] == 4  # the last periodic save before the kill
    m = run_training(tp, 7, tmp_path / "train", tmp_path / "plots", enable_progress_bar=False)
    assert m["resumed"] and m["steps"] == ref["steps"]
    a, b = _losses(ref_out / "plots" / "train_loss.csv"), _losses(tmp_path / "plots" / "train_loss.csv")
    assert [s for s, _ in a] == [s for s, _ in b]
    assert all(abs(x - y) < 1e-4 for (_, x), (_, y) in zip(a, b))
    w1 = torch.load(ref_out / "train" / "export" / "model.pt", weights_only=True)
    w2 = torch.load(tmp_path / "train" / "export" / "model.pt", weights_only=True)
    assert all(torch.allclose(w1[k], w2[k], atol=1e-5) for k in w1)


def test_changed_params_do_not_resume(uninterrupted, tiny_data, tmp_path):
    import shutil

    ref_out, _ = uninterrupted
    shutil.copytree(ref_out / "train" / "checkpoints", tmp_path / "train" / "checkpoints")
    m = run_training(
        _params(tiny_data, lr=1e-3, epochs=1), 7, tmp_path / "train", tmp_path / "plots", enable_progress_bar=False
    )
    assert not m["resumed"] and m["steps"] == 6


def test_a_missing_eval_set_fails_before_any_step_and_null_turns_monitoring_off(tiny_data, tmp_path):
    with pytest.raises(FileNotFoundError, match=r"train.eval_patches='nowhere/patches.csv'"):
        run_training(
            _params(tiny_data, eval_patches="nowhere/patches.csv"),
            7,
            tmp_path / "train",
            tmp_path / "plots",
            enable_progress_bar=False,
        )
    assert not (tmp_path / "train" / "checkpoints" / "last.ckpt").exists()  # not one step was trained
    m = run_training(
        _params(tiny_data, eval_patches=None, epochs=1),
        7,
        tmp_path / "train2",
        tmp_path / "plots2",
        enable_progress_bar=False,
    )
    assert m["zeroshot_acc1"] is None
    assert (tmp_path / "plots2" / "train_zeroshot.csv").read_text().splitlines() == ["epoch,balanced_accuracy,acc1"]
