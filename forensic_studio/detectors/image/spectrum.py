"""Frequency spectrum: periodic peaks left by up-sampling layers and resampling.

Generators that up-sample by 2 (transposed convolutions, nearest-neighbour
resizes) imprint a periodic pattern, visible as isolated peaks in the 2-D power
spectrum at fractions of the sampling rate.  The spectrum is averaged over up
to four native-resolution crops (resizing first would destroy the pattern);
peaks are measured against the local spectral background.  JPEG's 8-pixel grid
makes peaks at multiples of 1/8 in every JPEG, so those positions are reported
separately and do not raise the score of a JPEG file.  An image smaller than one
crop is analysed on its largest power-of-two native crop and shown, not weighed:
the peak threshold holds for four averaged 512-px crops, and one smaller crop has
a higher spectral background (on 256-px faces the strongest off-grid peak is
typically 10^1.15 above it, against the 10^1.4 threshold).  Padding up to 512 px
instead would create peaks of its own.
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
    version = "1.1"
    modes = frozenset({"fast", "full"})
    description = ("Log power spectrum averaged over up to four 512-px native crops (Hann window); peaks "
                   "above the local spectral background, off the JPEG 8-px grid; azimuthal average profile. Images under "
                   "512 px: one native power-of-two crop, shown but not weighed.")
    limitations = ("Strong regular textures (fabrics, grids, halftone prints) also make peaks; resizing or "
                   "heavy re-compression after generation removes up-sampling traces.")

    def analyze(self, media, ctx: AnalysisContext) -> LayerResult:
        gray = media.gray if ctx.settings.mode == "full" else media.preview_gray
        spectrum = log_power_spectrum(gray)
        if spectrum is None:
            return LayerResult(self.name, 0.5, 0.0, "Image too small for spectral analysis", self.version)
        size = spectrum.shape[0]
        is_jpeg = media.format == "JPEG" and ctx.settings.mode == "full"
        excess = spectrum - cv2.GaussianBlur(spectrum, (0, 0), 3)
        off_grid, on_grid = _peak_masks(size, exclude_grid=is_jpeg)
        peak = float(excess[off_grid].max())
        grid_peak = float(excess[on_grid].max()) if on_grid.any() else 0.0
        peak_position = np.unravel_index(np.argmax(np.where(off_grid, excess, -np.inf)), excess.shape)
        frequency = [round((int(i) - size // 2) / size, 4) for i in peak_position]
        score = evidence_score(logistic(peak, 1.4, 0.2))
        details = {"peak_log10_excess": peak, "peak_frequency_cycles_per_px": frequency,
                   "jpeg_grid_peak_log10_excess": grid_peak, "radial_profile": radial_profile(spectrum).tolist()}
        summary = (f"Strongest periodic peak {10 ** peak:.0f}x above background at "
                   f"({frequency[0]:+.3f}, {frequency[1]:+.3f}) cycles/px")
        maps = {"spectrum": HeatMap.from_float(spectrum, kind="spectrum", label="log10 power spectrum (centred)")}
        details["crop_px"] = size
        if size < CROP:
            summary += f" (one {size}-px crop: the image is under {CROP} px, so this is shown, not weighed)"
        return LayerResult(self.name, score, 0.4 if size == CROP else 0.0, summary, self.version, details, maps)


def log_power_spectrum(gray: np.ndarray) -> np.ndarray | None:
    """Mean log10 power spectrum (centred) of up to four CROPxCROP crops, or of the largest power-of-two
    crop of a smaller image (one crop, centred); None under 64 px."""
    height, width = gray.shape
    side = CROP if min(height, width) >= CROP else 2 ** int(np.log2(min(height, width)))
    if side < 64:
        return None
    window = np.outer(np.hanning(side), np.hanning(side)).astype(np.float32)
    total = np.zeros((side, side), dtype=np.float64)
    corners = {(y, x) for y in (height // 4 - side // 2, 3 * height // 4 - side // 2)
               for x in (width // 4 - side // 2, 3 * width // 4 - side // 2)}
    crops = [(min(max(0, y), height - side), min(max(0, x), width - side)) for y, x in corners]
    for y, x in sorted(set(crops)):
        patch = gray[y:y + side, x:x + side].astype(np.float32)
        patch = (patch - patch.mean()) * window
        total += np.abs(np.fft.fft2(patch)) ** 2
    mean_power = total / len(set(crops))
    return np.log10(np.fft.fftshift(mean_power) + 1e-3).astype(np.float32)


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
