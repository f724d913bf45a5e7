"""Training-time image augmentation suited to H&E patches.

Tissue has no canonical orientation, so all eight dihedral transforms (flips and 90-degree
rotations) are free label-preserving augmentations. Staining varies between labs, which mild
colour jitter imitates; strong hue shifts would turn eosin pink into something no slide shows, so
hue stays small. Random resized crops keep a large share of the patch (0.6-1.0) because a small
crop of a 224 px patch at 64 px input loses the architecture a pathologist reads.
Randomness comes from an explicit torch.Generator: the data pipeline seeds it per sample from
(seed, epoch, sample index), which is what makes a resumed run see the same pixels as an
uninterrupted one.
"""

from __future__ import annotations

import torch
import torchvision.transforms.functional as TF
from PIL import Image


class HEAugment:
    accepts_generator = True  # PairBatches passes a per-sample seeded generator

    def __init__(
        self, size: int, mean, std, augment: bool = True, scale=(0.6, 1.0), jitter: float = 0.1, hue: float = 0.02
    ):
        self.size = size
        self.mean, self.std = list(mean), list(std)
        self.augment = augment
        self.scale = scale
        self.jitter = jitter
        self.hue = hue

    def _u(self, g: torch.Generator, lo: float, hi: float) -> float:
        return lo + (hi - lo) * float(torch.rand((), generator=g))

    def __call__(self, img: Image.Image, g: torch.Generator | None = None) -> torch.Tensor:
        img = img.convert("RGB")
        if not self.augment:
            img = TF.resize(img, self.size, interpolation=TF.InterpolationMode.BICUBIC)
            img = TF.center_crop(img, [self.size, self.size])
        else:
            g = g or torch.Generator().manual_seed(0)
            w, h = img.size
            area = w * h * self._u(g, *self.scale)
            side = int(min(w, h, max(8, area**0.5)))
            top = int(self._u(g, 0, h - side + 1e-6))
            left = int(self._u(g, 0, w - side + 1e-6))
            img = TF.resized_crop(
                img, top, left, side, side, [self.size, self.size], interpolation=TF.InterpolationMode.BICUBIC
            )
            if float(torch.rand((), generator=g)) < 0.5:
                img = TF.hflip(img)
            k = int(torch.randint(0, 4, (), generator=g))
            if k:
                img = img.rotate(90 * k)
            j = self.jitter
            if j > 0:
                img = TF.adjust_brightness(img, self._u(g, 1 - j, 1 + j))
                img = TF.adjust_contrast(img, self._u(g, 1 - j, 1 + j))
                img = TF.adjust_saturation(img, self._u(g, 1 - j, 1 + j))
            if self.hue > 0:
                img = TF.adjust_hue(img, self._u(g, -self.hue, self.hue))
        t = TF.to_tensor(img)
        return TF.normalize(t, self.mean, self.std)
