"""Pairing: which sentences of a lecture describe which of its histology images.

Two aligners share one output shape (one PairRecord per (image, sentence), many-to-many as in
the Quilt release):

  quilt_rule       the paper's time-window chunking, kept as the reference point
  sentence_aligner our aligner: sentence-level time overlap, weighted by role and by how well
                   the sentence's medical content agrees with the image
"""

from quiltkit.pairing.align import ALIGNERS, pair_video
from quiltkit.pairing.pace import video_chunk_time
from quiltkit.pairing.quilt_rule import quilt_pairs
from quiltkit.pairing.sentence_aligner import sentence_pairs

__all__ = ["ALIGNERS", "pair_video", "quilt_pairs", "sentence_pairs", "video_chunk_time"]
