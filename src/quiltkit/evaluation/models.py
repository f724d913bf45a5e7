"""Turn an `evaluate.models` entry into a loaded model, so every model goes through one stage.

    "trained"                     the training stage's export (outputs/train/export)
    "untrained"                   train.model at random init with the project seed (the baseline)
    "<config>:<checkpoint>"       any open_clip config + a local state_dict / checkpoint
    "<label>=<config>:<ckpt>"     the same under a readable label, e.g. "plip=ViT-B-32:/ckpt/plip.pt"
    "<label>=<export dir>"        a folder with model.pt + model_config.json (our export layout)
The fingerprint identifies the weights for the feature cache: a checkpoint's content hash, or
the (config, seed) pair for a random init.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from quiltkit.io import sha256_file
from quiltkit.model import create_model, load_exported
from quiltkit.paths import safe_id

TRAINED_EXPORT = Path("outputs/train/export")


@dataclass
class LoadedModel:
    label: str
    model: object
    preprocess: object
    tokenizer: object
    fingerprint: str


def _export(label: str, export_dir: Path, hint: str) -> LoadedModel:
    weights, cfg = export_dir / "model.pt", export_dir / "model_config.json"
    missing = [p.name for p in (weights, cfg) if not p.exists()]
    if missing:
        raise FileNotFoundError(f"model {label!r}: {missing} missing in {export_dir} ({hint})")
    model, preprocess, tokenizer = load_exported(export_dir)
    return LoadedModel(label, model, preprocess, tokenizer, f"export:{sha256_file(weights, cfg)[:16]}")


def parse_spec(spec: str) -> tuple[str, str]:
    """-> (label, rest). The label becomes a file name (feature cache), so it goes through safe_id."""
    if "=" in spec:
        label, rest = spec.split("=", 1)
    elif spec in ("trained", "untrained"):
        label, rest = spec, spec
    else:
        label, rest = spec.split(":", 1)[0], spec
    if not rest:
        raise ValueError(f"evaluate.models entry {spec!r} names no model")
    return safe_id(label), rest


def load_model(spec: str, train_model: str, seed: int, export_dir: Path = TRAINED_EXPORT) -> LoadedModel:
    label, rest = parse_spec(spec)
    if rest == "trained":
        return _export(label, Path(export_dir), "run the train stage first")
    if rest == "untrained":
        model, _, preprocess, tokenizer = create_model(train_model, pretrained=None, seed=seed)
        return LoadedModel(label, model, preprocess, tokenizer, f"init:{train_model}:{seed}")
    if Path(rest).is_dir():
        return _export(label, Path(rest), "expected our export layout")
    if ":" not in rest:
        raise ValueError(
            f"evaluate.models entry {spec!r}: expected trained, untrained, <config>:<checkpoint>, "
            "<label>=<config>:<checkpoint> or <label>=<export dir>"
        )
    config, ckpt = rest.split(":", 1)
    if not Path(ckpt).is_file():
        raise FileNotFoundError(f"evaluate.models entry {spec!r}: checkpoint {ckpt} not found")
    model, _, preprocess, tokenizer = create_model(config, pretrained=ckpt, seed=seed)
    return LoadedModel(label, model, preprocess, tokenizer, f"ckpt:{config}:{sha256_file(ckpt)[:16]}")
