"""Still images: safe opening, lazy decoding, and the views detectors share.

Decoding happens once per view and is cached on the ``ImageMedia`` object, so
ten layers asking for the grey image cost one conversion.  Pixels are kept in
the stored orientation (EXIF rotation is not applied): JPEG block grids and
sensor noise live in that frame, and the maps we draw refer to it.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageFile

from ..errors import CorruptMediaError, MediaTooLargeError, TruncatedMediaError, UnsupportedMediaError
from .derived import SharedDerivations
from .intake import Evidence
from .metadata import Metadata, read_metadata

try:  # HEIC/HEIF and AVIF via libheif, when the wheel is available
    from pillow_heif import register_heif_opener

    register_heif_opener()
    HEIF_AVAILABLE = True
except Exception:  # pragma: no cover - depends on the platform's wheel
    HEIF_AVAILABLE = False

# Truncated files are an error, never silently padded with grey.
ImageFile.LOAD_TRUNCATED_IMAGES = False
# Pillow's own bomb check is replaced by ours (Settings.max_pixels), made on the
# declared size before any pixel is decoded.
Image.MAX_IMAGE_PIXELS = None

PREVIEW_SIDE = 1024
# Second-order "KB" high-pass kernel from the SRM family (Fridrich & Kodovsky 2012).
KB_KERNEL = np.array([[-1, 2, -1], [2, -4, 2], [-1, 2, -1]], dtype=np.float32) / 4.0


class ImageMedia(SharedDerivations):
    """An image file opened for analysis.

    ``header`` is the lazily-opened PIL image (no pixels decoded yet).
    ``rgb`` is the full-resolution uint8 array; ``preview`` is a reduced
    copy (longer side about ``PREVIEW_SIDE``) that JPEG decodes cheaply via
    DCT scaling, used by fast layers and by layers that need no native pixels.
    """

    modality = "image"

    def __init__(self, evidence: Evidence, max_pixels: int):
        self.evidence = evidence
        self.path: Path = evidence.path
        self.max_pixels = max_pixels
        self.header = self._open_header()
        self.format: str = self.header.format or evidence.kind.format
        self.size: tuple[int, int] = self.header.size  # (width, height)
        self.info: dict[str, Any] = dict(self.header.info)
        self.notes: list[str] = []  # problems met while analysing that the analyst must read

    def _open_header(self) -> Image.Image:
        try:
            image = Image.open(self.path)
        except Image.UnidentifiedImageError:
            raise UnsupportedMediaError(f"no decoder for this {self.evidence.kind.format} file") from None
        except (OSError, SyntaxError, ValueError) as exc:
            raise CorruptMediaError(f"image header cannot be read: {exc}") from None
        width, height = image.size
        if width <= 0 or height <= 0:
            raise CorruptMediaError(f"image declares invalid dimensions {width}x{height}")
        if width * height > self.max_pixels:
            raise MediaTooLargeError(
                f"image declares {width}x{height} = {width * height:,} pixels, above the limit of "
                f"{self.max_pixels:,}; refused to avoid exhausting memory (possible decompression bomb)"
            )
        return image

    def load(self, mode: str) -> None:
        """Decode what ``mode`` needs now, so decoding errors surface before any layer runs."""
        _ = self.rgb if mode == "full" else self.preview

    def warnings(self) -> list[str]:
        return list(self.notes)

    def tracks(self) -> list[tuple[str, object]]:
        return [("image", self)]

    def describe(self) -> dict[str, Any]:
        return {
            "width": self.size[0],
            "height": self.size[1],
            "mode": self.header.mode,
            "format": self.format,
            "frames": getattr(self.header, "n_frames", 1),
        }

    @cached_property
    def metadata(self) -> Metadata:
        """Every embedded metadata block (EXIF, XMP, IPTC, text chunks, C2PA), read once."""
        return read_metadata(self.path, self.header)

    @cached_property
    def rgb(self) -> np.ndarray:
        """Full-resolution RGB pixels, uint8, shape (H, W, 3); first frame for animations."""
        image = self._decode(Image.open(self.path))
        return np.asarray(image, dtype=np.uint8)

    @cached_property
    def gray(self) -> np.ndarray:
        """Full-resolution luma as float32 in 0..255 (ITU-R BT.601, as JPEG uses)."""
        import cv2

        # Rounded to integers, as the Y plane a JPEG decoder starts from.
        return cv2.cvtColor(self.rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)

    @cached_property
    def highpass(self) -> np.ndarray:
        """Second-order SRM 'KB' residual of ``gray``, shared by the noise and texture layers."""
        import cv2

        return cv2.filter2D(self.gray, -1, KB_KERNEL, borderType=cv2.BORDER_REFLECT)

    @cached_property
    def preview(self) -> np.ndarray:
        """RGB uint8 with the longer side near ``PREVIEW_SIDE`` (never upscaled)."""
        if "rgb" in self.__dict__:
            return _downscale(self.rgb, PREVIEW_SIDE)
        image = Image.open(self.path)
        if image.format == "JPEG":
            # DCT-domain scaling: decodes at 1/2..1/8 size for a fraction of the cost.
            image.draft("RGB", (PREVIEW_SIDE, PREVIEW_SIDE))
        return _downscale(np.asarray(self._decode(image), dtype=np.uint8), PREVIEW_SIDE)

    @cached_property
    def preview_gray(self) -> np.ndarray:
        import cv2

        return cv2.cvtColor(self.preview, cv2.COLOR_RGB2GRAY).astype(np.float32)

    def _decode(self, image: Image.Image) -> Image.Image:
        try:
            image.seek(0)
            image.load()
        except OSError as exc:
            text = str(exc)
            if "truncated" in text or "broken data stream" in text or "premature end" in text.lower():
                raise TruncatedMediaError(f"image data is truncated: {text}") from None
            raise CorruptMediaError(f"image data cannot be decoded: {text}") from None
        except (SyntaxError, ValueError, EOFError) as exc:
            raise CorruptMediaError(f"image data cannot be decoded: {exc}") from None
        if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
            image = _to_8bit(image)
        if image.mode != "RGB":
            image = image.convert("RGBA").convert("RGB") if "A" in image.mode or image.mode == "P" else image.convert("RGB")
        return image

    def jpeg_quantization(self) -> dict[int, list[int]]:
        """The JPEG quantisation tables (natural order), empty for other formats."""
        tables = getattr(self.header, "quantization", None) or {}
        return {index: list(table) for index, table in tables.items()}


def _to_8bit(image: Image.Image) -> Image.Image:
    data = np.asarray(image, dtype=np.float64)
    top = data.max() if data.size else 1.0
    scaled = (data / (top if top > 0 else 1.0) * 255.0).clip(0, 255).astype(np.uint8)
    return Image.fromarray(scaled)


def _downscale(rgb: np.ndarray, max_side: int) -> np.ndarray:
    height, width = rgb.shape[:2]
    longest = max(height, width)
    if longest <= max_side:
        return rgb
    import cv2

    scale = max_side / longest
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
