"""Rebuilt Quilt-1M rows enter the dataset as source quilt_release, with their provenance."""

import csv

import cv2
import numpy as np

from quiltkit.contracts import RELEASE_ROW_COLUMNS
from quiltkit.dataset.sources import release_rows


def test_release_rows(tmp_path):
    rel = tmp_path / "outputs" / "release"
    (rel / "v1").mkdir(parents=True)
    cv2.imwrite(str(rel / "v1" / "x.jpg"), np.full((8, 8, 3), 200, np.uint8))
    with open(rel / "rows.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(RELEASE_ROW_COLUMNS + ["caption", "subset", "split", "pathology", "med_umls_ids"])
        w.writerow(
            [
                "x.jpg",
                "outputs/release/v1/x.jpg",
                "v1",
                0,
                2.5,
                6.5,
                "median",
                "https://www.youtube.com/watch?v=v1",
                "T",
                "C",
                "CC-BY",
                "glands are crowded",
                "quilt",
                "train",
                "['Gastrointestinal']",
                "['C0001']",
            ]
        )
        w.writerow(
            [
                "y.jpg",
                "outputs/release/v1/y.jpg",
                "v1",
                0,
                7,
                9,
                "median",
                "",
                "",
                "",
                "",
                "missing file",
                "quilt",
                "",
                "[]",
                "[]",
            ]
        )
    ld = release_rows(rel, tmp_path)
    assert len(ld.rows) == 1 and ld.skipped == {"missing image": 1}
    r = ld.rows[0]
    assert (r.source, r.video_id, r.caption, r.source_image_id) == (
        "quilt_release",
        "v1",
        "glands are crowded",
        "x.jpg",
    )
    assert (r.url, r.title, r.channel, r.license, r.start, r.end) == (
        "https://www.youtube.com/watch?v=v1",
        "T",
        "C",
        "CC-BY",
        2.5,
        6.5,
    )
    assert r.pathology == ["Gastrointestinal"] and r.med_umls_ids == ["C0001"]
    assert release_rows(tmp_path / "nothing", tmp_path).rows == []
