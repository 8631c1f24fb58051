"""Frequency spectrum: periodic peaks left by up-sampling layers and resampling.

Generators that up-sample by 2 (transposed convolutions, nearest-neighbour
resizes) imprint a periodic pattern, visible as isolated peaks in the 2-D power
spectrum at fractions of the sampling rate.  The spectrum is averaged over up
to four native-resolution crops (resizing first would destroy the pattern);
peaks are measured against the local spectral background.  JPEG's 8-pixel grid
makes peaks at multiples of 1/8 in every JPEG, so those positions are reported
separately and do not raise the score of a JPEG file.
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np

from ...context import AnalysisContext
from ...results import HeatMap, LayerResult
from ..registry import register
from .stats import evidence_score, logistic

CROP = 512
RADIAL_BINS = 64


@register
class FrequencySpectrum:
    name = "spectrum"
    modality = "image"
    version = "1.0"
    modes = frozenset({"fast", "full"})
    description = ("Log power spectrum averaged over up to four 512-px native crops (Hann window); peaks "
                   "above the local spectral background, off the JPEG 8-px grid; azimuthal average profile.")
    limitations = ("Strong regular textures (fabrics, grids, halftone prints) also make peaks; resizing or "
                   "heavy re-compression after generation removes up-sampling traces.")

    def analyze(self, media, ctx: AnalysisContext) -> LayerResult:
        gray = media.gray if ctx.settings.mode == "full" else media.preview_gray
        spectrum = log_power_spectrum(gray)
        if spectrum is None:
            return LayerResult(self.name, 0.5, 0.0, "Image too small for spectral analysis", self.version)
        is_jpeg = media.format == "JPEG" and ctx.settings.mode == "full"
        excess = spectrum - cv2.GaussianBlur(spectrum, (0, 0), 3)
        off_grid, on_grid = _peak_masks(spectrum.shape[0], exclude_grid=is_jpeg)
        peak = float(excess[off_grid].max())
        grid_peak = float(excess[on_grid].max()) if on_grid.any() else 0.0
        peak_position = np.unravel_index(np.argmax(np.where(off_grid, excess, -np.inf)), excess.shape)
        frequency = [round((int(i) - CROP // 2) / CROP, 4) for i in peak_position]
        score = evidence_score(logistic(peak, 1.4, 0.2))
        details = {"peak_log10_excess": peak, "peak_frequency_cycles_per_px": frequency,
                   "jpeg_grid_peak_log10_excess": grid_peak, "radial_profile": radial_profile(spectrum).tolist()}
        summary = (f"Strongest periodic peak {10 ** peak:.0f}x above background at "
                   f"({frequency[0]:+.3f}, {frequency[1]:+.3f}) cycles/px")
        maps = {"spectrum": HeatMap.from_float(spectrum, kind="spectrum", label="log10 power spectrum (centred)")}
        # Images smaller than one crop are reflect-padded, and padding itself creates periodic structure.
        padded = min(gray.shape) < CROP
        details["padded_to_crop"] = padded
        return LayerResult(self.name, score, 0.1 if padded else 0.4, summary, self.version, details, maps)


def log_power_spectrum(gray: np.ndarray) -> np.ndarray | None:
    """Mean log10 power spectrum (centred) of up to four CROPxCROP crops; None if the image is smaller."""
    height, width = gray.shape
    if min(height, width) < CROP:
        if min(height, width) < 64:
            return None
        gray = _pad(gray)
        height, width = gray.shape
    window = np.outer(np.hanning(CROP), np.hanning(CROP)).astype(np.float32)
    total = np.zeros((CROP, CROP), dtype=np.float64)
    corners = {(y, x) for y in (height // 4 - CROP // 2, 3 * height // 4 - CROP // 2)
               for x in (width // 4 - CROP // 2, 3 * width // 4 - CROP // 2)}
    crops = [(min(max(0, y), height - CROP), min(max(0, x), width - CROP)) for y, x in corners]
    for y, x in sorted(set(crops)):
        patch = gray[y:y + CROP, x:x + CROP].astype(np.float32)
        patch = (patch - patch.mean()) * window
        total += np.abs(np.fft.fft2(patch)) ** 2
    mean_power = total / len(set(crops))
    return np.log10(np.fft.fftshift(mean_power) + 1e-3).astype(np.float32)


def _pad(gray: np.ndarray) -> np.ndarray:
    """Reflect-pad a small image up to CROP on both sides (keeps its periodic content)."""
    height, width = gray.shape
    return cv2.copyMakeBorder(gray.astype(np.float32), 0, max(0, CROP - height), 0, max(0, CROP - width),
                              cv2.BORDER_REFLECT)


@lru_cache(maxsize=4)
def _peak_masks(size: int, exclude_grid: bool) -> tuple[np.ndarray, np.ndarray]:
    """Where to look for peaks: away from DC and the axes; split on/off the 1/8 JPEG grid."""
    coords = np.arange(size) - size // 2
    fy, fx = np.meshgrid(coords, coords, indexing="ij")
    radius = np.hypot(fy, fx)
    usable = (radius > size * 0.06) & (np.abs(fy) > 2) & (np.abs(fx) > 2)
    step = size // 8
    near_grid = ((np.abs(fy) % step <= 2) | (np.abs(fy) % step >= step - 2)) & \
                ((np.abs(fx) % step <= 2) | (np.abs(fx) % step >= step - 2))
    if not exclude_grid:
        return usable, np.zeros_like(usable)
    return usable & ~near_grid, usable & near_grid


@lru_cache(maxsize=4)
def _radial_bins(size: int) -> np.ndarray:
    coords = np.arange(size) - size // 2
    fy, fx = np.meshgrid(coords, coords, indexing="ij")
    radius = np.hypot(fy, fx) / (size / 2)
    return np.minimum((radius * RADIAL_BINS).astype(int), RADIAL_BINS)


def radial_profile(spectrum: np.ndarray) -> np.ndarray:
    """Azimuthal average of the log spectrum, RADIAL_BINS bins from DC to Nyquist."""
    bins = _radial_bins(spectrum.shape[0])
    sums = np.bincount(bins.ravel(), weights=spectrum.ravel(), minlength=RADIAL_BINS + 1)
    counts = np.bincount(bins.ravel(), minlength=RADIAL_BINS + 1)
    return np.round(sums[:RADIAL_BINS] / np.maximum(counts[:RADIAL_BINS], 1), 4)
