"""Rebuild Quilt-1M's images from its public release.

The authors published the text side (quilt_1M_lookup.csv) and, per video, what their curation
decided (quilt_data.csv, quilt_recon.csv): key-frame times, histology predictions, stable
intervals per chunk, and the names of the images each chunk gave. The pictures themselves are
YouTube's. This package turns the metadata plus downloaded videos back into the named images:

    files       readers for the three CSVs, validated row by row
    chunking    the release's chunk rule: which key frames belong to which chunk
    slots       which image each name stands for, from the metadata alone
    rebuild     one video: decode once, make every slot's image, map names to them
    fidelity    what came out against what was expected, per video and overall
    run         the rebuild stage over many videos (download, resume, pool or Ray)
"""
