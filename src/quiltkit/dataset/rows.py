"""The one row shape every source is turned into before merging."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Union

ImageRef = Union[Path, bytes]  # a file on disk, or encoded image bytes held by a parquet/tar source


@dataclass
class Row:
    source: str  # "quilt_video" or the external source spec "kind:path"
    source_kind: str  # quilt_video | openclip_csv | quilt_lookup | img2dataset_parquet | img2dataset_wds
    pair_id: str
    image: ImageRef
    origin: str  # where the image came from (repo-relative path, "file.tar:key", url)
    caption: str
    text_kind: str = "caption"  # sentence | combined | caption
    video_id: Optional[str] = None
    subset: str = ""
    source_split: str = ""
    pathology: list[str] = field(default_factory=list)
    roi_text: str = ""
    med_text: str = ""
    keywords: list[str] = field(default_factory=list)  # RAKE, of this row's own text
    noisy_text: str = ""
    corrected_text: str = ""
    med_umls_ids: list[str] = field(default_factory=list)
    magnification: Optional[str] = None
    start: Optional[float] = None
    end: Optional[float] = None
    aligner: str = ""
    score: float = 1.0
    url: str = ""
    # where a video row came from, from its download record: what a researcher citing it, and a
    # takedown request, needs (empty for external sources, which do not record them)
    title: str = ""
    channel: str = ""
    uploader: str = ""
    license: str = ""
    upload_date: str = ""
    source_image_id: str = ""  # the id the source gave the image (video image ids keep theirs)
    # where the narration points (quiltkit.pairing.grounding): (x0, y0, x1, y1) as shares of the
    # image's width and height, so it holds at any size the dataset writes the image at
    region: Optional[tuple[float, float, float, float]] = None
