"""The LightningModule's loss pieces without a Trainer: CLIP and SigLIP losses, temperature clamp."""

import math

import torch

from quiltkit.model.factory import create_model
from quiltkit.model.module import MAX_LOGIT_SCALE, QuiltNetModule


def _batch(tok, n=6):
    names = ["adipose tissue", "lymphoid tissue", "fibrous stroma"]
    return torch.randn(n, 3, 32, 32), tok([names[i % 3] for i in range(n)])


def test_clip_loss_is_log_batch_at_uniform_logits_and_backpropagates():
    model, _, _, tok = create_model("quiltkit-micro", seed=0)
    module = QuiltNetModule(model, total_steps=4)
    module.setup("fit")
    with torch.no_grad():
        model.logit_scale.fill_(0.0)  # scale 1: cosine logits in [-1, 1], loss near log(batch)
    loss = module._loss(module.criterion, _batch(tok))
    assert abs(loss.item() - math.log(6)) < 0.5
    loss.backward()
    assert model.visual.conv1.weight.grad.abs().sum() > 0 and model.token_embedding.weight.grad.abs().sum() > 0


def test_siglip_loss_needs_and_uses_a_logit_bias():
    model, _, _, tok = create_model("quiltkit-micro", seed=0, init_logit_scale=math.log(10), init_logit_bias=-10.0)
    module = QuiltNetModule(model, total_steps=4, loss="siglip")
    module.setup("fit")
    loss = module._loss(module.criterion, _batch(tok))
    loss.backward()
    assert torch.isfinite(loss) and model.logit_bias.grad is not None
    plain, *_ = create_model("quiltkit-micro", seed=0)
    try:
        QuiltNetModule(plain, loss="siglip")
        raise AssertionError("siglip without a logit bias must be refused")
    except ValueError as err:
        assert "init_logit_bias" in str(err)


def test_same_seed_same_init_and_temperature_clamp():
    a, *_ = create_model("quiltkit-micro", seed=3)
    b, *_ = create_model("quiltkit-micro", seed=3)
    c, *_ = create_model("quiltkit-micro", seed=4)
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))
    assert not torch.equal(a.visual.conv1.weight, c.visual.conv1.weight)
    module = QuiltNetModule(a, total_steps=2, grad_checkpointing=True)
    assert a.visual.transformer.grad_checkpointing
    with torch.no_grad():
        a.logit_scale.fill_(9.0)
    module._t0 = 0.0
    module.log = lambda *args, **kw: None  # no trainer attached: logging is not what this checks
    module.on_train_batch_end(None, None, 0)
    assert abs(float(a.logit_scale) - MAX_LOGIT_SCALE) < 1e-6
