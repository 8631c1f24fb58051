"""Laundering augmentations: what a platform, a screenshot or a forwarder does to a file.

Order follows a real pipeline: crop/resize first, then blur, then a JPEG encode
last, because re-compression is what every social network applies at the end.
"""

from __future__ import annotations

import io
import random

from PIL import Image, ImageEnhance, ImageFilter

_RESAMPLERS = (Image.Resampling.BILINEAR, Image.Resampling.BICUBIC, Image.Resampling.LANCZOS, Image.Resampling.BOX)


def random_resized_crop(im: Image.Image, size: int, rng: random.Random, min_area: float = 0.5) -> Image.Image:
    w, h = im.size
    area = rng.uniform(min_area, 1.0) * w * h
    aspect = rng.uniform(0.85, 1.18)
    cw = min(w, max(8, int(round((area * aspect) ** 0.5))))
    ch = min(h, max(8, int(round((area / aspect) ** 0.5))))
    x, y = rng.randint(0, w - cw), rng.randint(0, h - ch)
    return im.crop((x, y, x + cw, y + ch)).resize((size, size), rng.choice(_RESAMPLERS))


def launder(im: Image.Image, rng: random.Random) -> Image.Image:
    if rng.random() < 0.3:  # downscale and back up, as a thumbnail or a re-upload does
        factor = rng.uniform(0.4, 0.9)
        small = im.resize((max(8, int(im.width * factor)), max(8, int(im.height * factor))), rng.choice(_RESAMPLERS))
        im = small.resize(im.size, rng.choice(_RESAMPLERS))
    if rng.random() < 0.2:
        im = im.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.2)))
    if rng.random() < 0.2:
        im = ImageEnhance.Brightness(im).enhance(rng.uniform(0.8, 1.2))
        im = ImageEnhance.Contrast(im).enhance(rng.uniform(0.8, 1.2))
    if rng.random() < 0.6:
        buffer = io.BytesIO()
        im.save(buffer, "JPEG", quality=rng.randint(40, 95))
        buffer.seek(0)
        im = Image.open(buffer).convert("RGB")
    return im


def random_native_crop(im: Image.Image, size: int, rng: random.Random) -> Image.Image:
    """A crop at the file's own scale, so generator fingerprints are not resampled away."""
    if min(im.size) < size:
        return im.resize((size, size), Image.Resampling.BICUBIC)
    x, y = rng.randint(0, im.width - size), rng.randint(0, im.height - size)
    return im.crop((x, y, x + size, y + size))


def training_view(im: Image.Image, size: int, rng: random.Random, native: bool = False) -> Image.Image:
    crop = random_native_crop if native else random_resized_crop
    im = crop(im.convert("RGB"), size, rng)
    if rng.random() < 0.5:
        im = im.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    return launder(im, rng)
