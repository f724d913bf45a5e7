"""The export is the same bytes for the same weights, so a re-run that learns nothing new gives
DVC nothing new (torch.save into a named file put the random temp name inside the zip)."""

import hashlib

from quiltkit.model.export import export_model, load_exported
from quiltkit.model.factory import create_model


def test_same_weights_same_bytes_and_they_load(tmp_path):
    model, *_ = create_model("quiltkit-micro", seed=3)
    digests = [
        hashlib.sha256(export_model(model, "quiltkit-micro", tmp_path / d).read_bytes()).hexdigest() for d in "ab"
    ]
    assert digests[0] == digests[1]
    loaded, _, _ = load_exported(tmp_path / "a")
    ref = model.state_dict()
    assert all((loaded.state_dict()[k] == v).all() for k, v in ref.items())
