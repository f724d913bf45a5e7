"""Curation of a whole corpus in one call: the five per-video drivers in pipeline order."""
