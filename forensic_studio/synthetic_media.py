"""Generated media with known properties, for the benchmark, the tests and the bundled samples.

Nothing here is evidence: the pictures are random fields with sensor-like noise,
so every property a test asserts (a cloned patch, a second compression, a
periodic pattern) is exactly the one that was put in.
"""

from __future__ import annotations

import io

import numpy as np


def photo_like(height: int, width: int, seed: int = 0, noise_sigma: float = 2.5) -> np.ndarray:
    """An RGB uint8 image with multi-scale structure and Gaussian sensor-like noise."""
    import cv2

    rng = np.random.default_rng(seed)
    image = np.full((height, width, 3), 128.0, dtype=np.float32)
    for scale in (4, 16, 64):
        field = rng.normal(size=(height // scale + 2, width // scale + 2, 3)).astype(np.float32)
        image += cv2.resize(field, (width, height), interpolation=cv2.INTER_CUBIC) * (40 / np.sqrt(scale))
    image += rng.normal(scale=noise_sigma, size=image.shape).astype(np.float32)
    return np.clip(image, 0, 255).astype(np.uint8)


def jpeg_bytes(rgb: np.ndarray, quality: int, exif: bytes | None = None) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    options = {"quality": quality}
    if exif:
        options["exif"] = exif
    Image.fromarray(rgb).save(buffer, format="JPEG", **options)
    return buffer.getvalue()


def camera_exif(make: str = "Canon", model: str = "Canon EOS 80D", software: str | None = None,
                original: str = "2024:05:01 10:00:00", modified: str | None = None,
                size: tuple[int, int] | None = None) -> bytes:
    """An EXIF block as a camera writes it (make, model, capture date, optional software/dimensions)."""
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = make, model
    exif[0x0132] = modified or original
    if software:
        exif[0x0131] = software
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = original
    if size:
        sub[0xA002], sub[0xA003] = size
    return exif.tobytes()


SD_PARAMETERS = ("a lighthouse on a cliff at dusk, volumetric light\nNegative prompt: blurry, lowres\n"
                 "Steps: 28, Sampler: DPM++ 2M Karras, CFG scale: 6.5, Seed: 421337, Size: 640x480, "
                 "Model hash: 31e35c80fc, Model: sd_xl_base_1.0")


def write_samples(folder) -> list:
    """Write the bundled sample files (resources/samples): each demonstrates one kind of finding."""
    from pathlib import Path

    from PIL import Image, PngImagePlugin

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    picture = photo_like(480, 640, seed=2024)
    info = PngImagePlugin.PngInfo()
    info.add_text("parameters", SD_PARAMETERS)
    generated = folder / "generated_sd_parameters.png"
    Image.fromarray(picture).save(generated, pnginfo=info)

    forged = photo_like(480, 640, seed=7).copy()
    forged[300:420, 420:560] = forged[40:160, 60:200]  # a cloned patch
    edited = folder / "camera_photo_cloned_region.jpg"
    edited.write_bytes(jpeg_bytes(forged, 90, camera_exif(software="Adobe Photoshop 25.0 (Windows)",
                                                           modified="2024:05:03 18:22:10", size=(640, 480))))
    original = folder / "camera_photo.jpg"
    original.write_bytes(jpeg_bytes(photo_like(480, 640, seed=99), 92, camera_exif(size=(640, 480))))
    return [generated, edited, original]
