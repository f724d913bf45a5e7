"""QuiltNet: open_clip models, their Lightning training, and the plain open_clip export.

    create_model(name, pretrained=None, seed=0) -> (model, preprocess_train, preprocess_val, tokenizer)
    load_exported(export_dir) -> (model, preprocess_val, tokenizer)

Imports are lazy so `import quiltkit.model` does not pull in torch and Lightning.
"""


def create_model(name, pretrained=None, seed=0, **kwargs):
    from quiltkit.model.factory import create_model as _create

    return _create(name, pretrained=pretrained, seed=seed, **kwargs)


def load_exported(export_dir, device="cpu"):
    from quiltkit.model.export import load_exported as _load

    return _load(export_dir, device=device)


__all__ = ["create_model", "load_exported"]
