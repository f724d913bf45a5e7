"""Drivers that span stages: what the pipeline as a whole reads (quiltkit.pipeline.inputs)."""
