import torch

from quiltkit.model.factory import create_model
from quiltkit.model.optim import excluded_from_decay, param_groups, warmup_cosine


def test_weight_decay_groups_exclude_gains_biases_and_temperature():
    model, *_ = create_model("quiltkit-micro", seed=0)
    no_decay, decay = param_groups(model, 0.2)
    assert no_decay["weight_decay"] == 0.0 and decay["weight_decay"] == 0.2
    names = {id(p): n for n, p in model.named_parameters()}
    nd = {names[id(p)] for p in no_decay["params"]}
    d = {names[id(p)] for p in decay["params"]}
    assert "logit_scale" in nd
    assert "visual.class_embedding" in nd
    assert any(n.endswith("ln_final.weight") for n in nd)
    assert all(not n.endswith(".bias") for n in d)
    assert all(model.get_parameter(n).ndim >= 2 for n in d)
    assert "visual.conv1.weight" in d and any("attn.in_proj_weight" in n for n in d)
    assert len(nd) + len(d) == sum(1 for _ in model.parameters())


def test_locked_tower_is_left_out_of_the_optimizer():
    model, *_ = create_model("quiltkit-micro", seed=0)
    model.lock_image_tower()
    groups = param_groups(model, 0.1)
    ids = {id(p) for g in groups for p in g["params"]}
    assert all(id(p) not in ids for p in model.visual.parameters())
    assert ids  # the text tower still trains


def test_excluded_rule_matches_open_clip():
    p2, p1 = torch.nn.Parameter(torch.zeros(2, 2)), torch.nn.Parameter(torch.zeros(2))
    assert excluded_from_decay("x.weight", p1) and not excluded_from_decay("x.weight", p2)
    assert excluded_from_decay("block.ln_1.weight", p2) and excluded_from_decay("bn.weight", p2)


def test_warmup_then_cosine():
    f = warmup_cosine(4, 20)
    assert [round(f(s), 3) for s in range(4)] == [0.25, 0.5, 0.75, 1.0]
    assert f(4) == 1.0 and abs(f(12) - 0.5) < 1e-9 and f(20) < 1e-9
    values = [f(s) for s in range(4, 21)]
    assert all(a >= b for a, b in zip(values, values[1:]))
