"""The fidelity report finds a name given to the wrong image, and prices a gone video."""

import cv2
import numpy as np

from quiltkit.contracts import RebuildRecord, RebuiltImage
from quiltkit.release.fidelity import fidelity_report
from tests.release.conftest import PICTURES


def _setup(tmp_path, swap: bool):
    ref, out = tmp_path / "ref", tmp_path / "out"
    ref.mkdir()
    out.mkdir()
    names = {"a.jpg": "A", "b.jpg": "B", "c.jpg": "C"}
    for n, key in names.items():
        cv2.imwrite(str(ref / n.replace(".jpg", ".png")), cv2.cvtColor(PICTURES[key], cv2.COLOR_RGB2BGR))
    made = dict(names)
    if swap:
        made["a.jpg"], made["b.jpg"] = "B", "A"
    ims = []
    for i, (n, key) in enumerate(made.items()):
        noisy = np.clip(
            PICTURES[key].astype(int) + np.random.default_rng(i).integers(-4, 5, PICTURES[key].shape), 0, 255
        ).astype(np.uint8)
        cv2.imwrite(str(out / n), cv2.cvtColor(noisy, cv2.COLOR_RGB2BGR))
        ims.append(
            RebuiltImage(
                image_path=n,
                chunk_id=0,
                slot=i,
                method="median",
                path=f"out/{n}",
                expected_width=320,
                expected_height=180,
                decoded_width=320,
                decoded_height=180,
            )
        )
    gone = RebuildRecord(
        video_id="g",
        status="private",
        images=[RebuiltImage(image_path="g.jpg", chunk_id=0, slot=0, status="missing", reason="video private")],
    )
    return fidelity_report(
        [RebuildRecord(video_id="v", images=ims), gone], ref, tmp_path, {"a.jpg": 2, "b.jpg": 1, "c.jpg": 1, "g.jpg": 3}
    )


def test_faithful_rebuild(tmp_path):
    o = _setup(tmp_path, swap=False)["overall"]
    assert o["name_mismatches"] == 0 and o["compared"] == 3 and o["psnr_min"] > 35
    assert o["rows_lost"] == {"video private": 3} and o["rows_rebuilt"] == 4 and o["videos_gone"] == {"private": 1}
    assert o["rebuilt_fraction_of_available"] == 1.0 and o["rebuilt_fraction"] == 0.75


def test_swapped_names_are_caught(tmp_path):
    r = _setup(tmp_path, swap=True)
    assert r["overall"]["name_mismatches"] == 2
    assert sorted(r["videos"]["v"]["mismatched"]) == ["a.jpg", "b.jpg"]
