"""The video side of curation: download, decode, scenes, stable intervals, histology frames."""
