"""JPEG structure: quantisation tables, quality, and double-compression evidence.

Double compression: after the last save, each 8x8 DCT coefficient divided by
its quantisation step is (nearly) an integer.  If the image had earlier been
saved with a different step, the histogram of those integers is no longer a
smooth Laplacian: bins are periodically over- or under-filled (Popescu & Farid
2004; Lukas & Fridrich 2003).  We measure that periodic roughness on nine
low-frequency AC coefficients of the luminance.  For non-JPEG files the layer
reports whether an 8-px block grid betrays an earlier JPEG life.
"""

from __future__ import annotations

import numpy as np

from ...context import AnalysisContext
from ...results import LayerResult
from ..registry import register
from .jpeg_tables import estimate_quality, is_standard_table
from .stats import block_view, evidence_score, logistic

# Zig-zag positions 1..9 as (row, column): the low-frequency AC coefficients.
LOW_FREQUENCIES = ((0, 1), (1, 0), (2, 0), (1, 1), (0, 2), (0, 3), (1, 2), (2, 1), (3, 0))
MAX_SIDE = 2048  # central crop for the DCT statistics; bounded cost on huge images
HISTOGRAM_RANGE = 20


def dct_matrix() -> np.ndarray:
    k = np.arange(8)
    matrix = np.sqrt(2 / 8) * np.cos(np.pi * (2 * k[None, :] + 1) * k[:, None] / 16)
    matrix[0] /= np.sqrt(2)
    return matrix


def block_dct(luma: np.ndarray) -> np.ndarray:
    """Orthonormal 8x8 DCT of every block (the transform JPEG uses), shape (by, bx, 8, 8)."""
    d = dct_matrix()
    blocks = block_view(luma - 128.0, 8)
    return d @ blocks @ d.T


def central_crop(array: np.ndarray, side: int) -> np.ndarray:
    height, width = array.shape[:2]
    top, left = max(0, (height - side) // 2) // 8 * 8, max(0, (width - side) // 2) // 8 * 8
    return array[top:top + side, left:left + side]


def histogram_roughness(coefficients: np.ndarray, step: float) -> float:
    """Periodic roughness of the histogram of coefficient/step, 0 for a smooth decay."""
    values = np.rint(np.abs(coefficients) / step).astype(np.int64)
    histogram = np.bincount(values[values <= HISTOGRAM_RANGE], minlength=HISTOGRAM_RANGE + 1).astype(np.float64)
    counts = histogram[1:HISTOGRAM_RANGE]
    if counts.sum() < 200:
        return 0.0
    inner = counts[1:-1]
    neighbours = (counts[:-2] + counts[2:]) / 2
    considered = neighbours > 5
    if considered.sum() < 3:
        return 0.0
    return float(np.abs(inner - neighbours)[considered].sum() / (inner[considered].sum() + neighbours[considered].sum()))


def double_compression_roughness(luma: np.ndarray, luminance_table: list[int]) -> float:
    coefficients = block_dct(central_crop(luma, MAX_SIDE))
    table = np.asarray(luminance_table, dtype=np.float64).reshape(8, 8)
    values = [histogram_roughness(coefficients[..., row, col], table[row, col]) for row, col in LOW_FREQUENCIES]
    return float(np.median(values))


def blockiness(gray: np.ndarray) -> float:
    """Ratio of pixel differences across 8-px block borders to those inside blocks (1 = no grid)."""
    crop = central_crop(gray, MAX_SIDE)
    diff = np.abs(np.diff(crop, axis=1))
    columns = np.arange(diff.shape[1]) % 8
    border, inside = diff[:, columns == 7].mean(), diff[:, (columns != 7)].mean()
    return float(border / inside) if inside > 1e-6 else 1.0


@register
class JpegStructure:
    name = "jpeg"
    modality = "image"
    version = "1.0"
    modes = frozenset({"fast", "full"})
    description = ("Quantisation tables (IJG quality estimate, standard or custom), and in full mode the "
                   "periodic roughness of DCT-coefficient histograms (nine low AC frequencies) as evidence of "
                   "double compression; for other formats, the 8-px blockiness of an earlier JPEG life.")
    limitations = ("Double compression shows a re-save, which many innocent workflows do; it is undetectable "
                   "when the second quality is much lower than the first or the image was resized in between.")

    def analyze(self, media, ctx: AnalysisContext) -> LayerResult:
        tables = media.jpeg_quantization()
        if not tables:
            return self._not_jpeg(media, ctx)
        quality = estimate_quality(tables)
        standard = is_standard_table(tables)
        details = {"quality_estimate": quality, "standard_ijg_tables": standard, "table_count": len(tables),
                   "luminance_table": tables.get(0), "progressive": bool(media.info.get("progressive"))}
        if ctx.settings.mode != "full":
            summary = f"JPEG, quality about {quality:.0f} ({'standard' if standard else 'custom'} tables)"
            return LayerResult(self.name, 0.5, 0.0, summary, self.version, details)
        roughness = double_compression_roughness(media.gray, tables[0])
        details["dct_histogram_roughness"] = roughness
        double = roughness > 0.25
        details["double_compression"] = double
        score = evidence_score(logistic(roughness, 0.25, 0.05), floor=0.4)
        summary = (f"JPEG quality about {quality:.0f}; DCT histograms {'show' if double else 'do not show'} "
                   f"double compression (roughness {roughness:.2f})")
        return LayerResult(self.name, score, 0.5, summary, self.version, details,
                           signals={"double_compressed": double})

    def _not_jpeg(self, media, ctx: AnalysisContext) -> LayerResult:
        gray = media.gray if ctx.settings.mode == "full" else None
        if gray is None or min(gray.shape) < 64:
            return LayerResult(self.name, 0.5, 0.0, f"{media.format}: no JPEG structure", self.version)
        ratio = blockiness(gray)
        earlier_jpeg = ratio > 1.25
        summary = (f"{media.format} with an 8-px block grid (ratio {ratio:.2f}): previously JPEG-compressed"
                   if earlier_jpeg else f"{media.format}: no JPEG block grid (ratio {ratio:.2f})")
        return LayerResult(self.name, 0.5, 0.0, summary, self.version,
                           {"blockiness_ratio": ratio, "previously_jpeg": earlier_jpeg})
