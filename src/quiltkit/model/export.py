"""The trained model as a plain open_clip artefact: no Lightning, no quiltkit needed to load it.

    outputs/train/export/model.pt           open_clip state_dict (torch.load(..., weights_only=True))
    outputs/train/export/model_config.json  the open_clip config
    outputs/train/export/quiltnet.json      the same config under the name open_clip registers
    outputs/train/export/info.json          model name, base architecture, epochs, dataset hash

open_clip names a registered config after its file stem, so after
`open_clip.add_model_config(export_dir)` the model is `create_model_and_transforms("quiltnet",
pretrained=export_dir/"model.pt")`. model_config.json is the documented hand-off name; quiltnet.json
is the copy whose stem is the model name (info.json is ignored: it has no embed_dim).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import torch

from quiltkit.io import atomic_write_bytes, write_json
from quiltkit.model.factory import model_config

EXPORT_NAME = "quiltnet"


def export_model(model: torch.nn.Module, base_name: str, export_dir: Path | str, info: dict | None = None) -> Path:
    export_dir = Path(export_dir)
    export_dir.mkdir(parents=True, exist_ok=True)
    cfg = model_config(base_name)
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    # Saved through memory: torch.save names the zip's root folder after the file it writes, and
    # the atomic temp file's name is random, so the same weights gave other bytes on every run
    # (and DVC saw a new model). In memory the archive name is fixed.
    buf = io.BytesIO()
    torch.save(state, buf)
    atomic_write_bytes(export_dir / "model.pt", buf.getvalue())
    write_json(export_dir / "model_config.json", cfg)
    write_json(export_dir / f"{EXPORT_NAME}.json", cfg)
    write_json(export_dir / "info.json", {"model_name": EXPORT_NAME, "base_model": base_name, **(info or {})})
    return export_dir / "model.pt"


def load_exported(export_dir: Path | str, device: str = "cpu"):
    """-> (model, preprocess_val, tokenizer) from an export directory, via open_clip only."""
    import open_clip

    from quiltkit.model.factory import _offline_hub

    _offline_hub()
    export_dir = Path(export_dir)
    weights = export_dir / "model.pt"
    cfg_file = export_dir / f"{EXPORT_NAME}.json"
    if not weights.exists() or not cfg_file.exists():
        raise FileNotFoundError(f"{export_dir}: not a quiltkit export (needs model.pt and {EXPORT_NAME}.json)")
    json.loads(cfg_file.read_text())  # a clear JSON error before open_clip's
    open_clip.add_model_config(cfg_file)  # re-adding moves it last, so this export wins the name
    model, _, preprocess_val = open_clip.create_model_and_transforms(
        EXPORT_NAME, pretrained=str(weights), device=device, weights_only=True
    )
    model.eval()
    return model, preprocess_val, open_clip.get_tokenizer(EXPORT_NAME)
