"""The EfficientNet-Lite0 image tower starts from the ImageNet weights shipped in a pip package."""

import pytest
import torch

from quiltkit.model.factory import create_model
from quiltkit.model.image_init import efficientnet_lite0_file, map_lite0_state_dict


def test_effnet_lite0_tower_loads_packaged_imagenet_weights():
    model, _, preprocess, tok = create_model("quiltkit-effnet-lite0", seed=0)
    shipped = torch.load(efficientnet_lite0_file(), map_location="cpu", weights_only=True)
    trunk = model.visual.trunk
    assert torch.equal(trunk.conv_stem.weight, shipped["_conv_stem.weight"])
    assert torch.equal(trunk.bn2.running_var, shipped["_bn1.running_var"])  # the last BN, positional mapping
    model.eval()
    with torch.no_grad():
        img, txt = (
            model.encode_image(torch.randn(2, 3, 96, 96)),
            model.encode_text(tok(["adipose tissue", "fibrous stroma"])),
        )
    assert img.shape == txt.shape == (2, 128)


def test_mapping_refuses_mismatched_weights():
    src = {"_conv_stem.weight": torch.zeros(32, 3, 3, 3), "_bn0.weight": torch.zeros(32)}
    assert list(
        map_lite0_state_dict(src, {"conv_stem.weight": torch.zeros(32, 3, 3, 3), "bn1.weight": torch.zeros(32)})
    ) == ["conv_stem.weight", "bn1.weight"]
    with pytest.raises(ValueError, match="does not match"):
        map_lite0_state_dict(src, {"conv_stem.weight": torch.zeros(16, 3, 3, 3), "bn1.weight": torch.zeros(32)})
    with pytest.raises(ValueError, match="tensors"):
        map_lite0_state_dict(src, {"conv_stem.weight": torch.zeros(32, 3, 3, 3)})
