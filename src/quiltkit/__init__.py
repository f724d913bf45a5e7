"""quiltkit: curate histopathology image-text datasets from lecture videos, train and evaluate QuiltNet."""

__version__ = "0.1.0"
