"""Error level analysis: re-save the image as JPEG and map where it changes most.

Pixels that already went through the same JPEG quantisation change little on
re-saving; a region pasted from elsewhere (different quality, never
compressed, or resampled) changes more.  ELA error also grows with texture, so
the score comes from error *unexplained* by local texture: a per-block
regression of log error on log texture, and the largest connected area of
blocks far above that line.
"""

from __future__ import annotations

import cv2
import numpy as np

from ...context import AnalysisContext
from ...results import HeatMap, LayerResult
from ..registry import register
from .jpeg_tables import estimate_quality
from .stats import area_confidence, block_mean, block_std, evidence_score, largest_blob_fraction, logistic, robust_z

BLOCK = 16
MIN_LOG_SCALE = 0.3  # log-error spread below this is treated as uniform (fixed-point JPEGs)


@register
class ErrorLevelAnalysis:
    name = "ela"
    modality = "image"
    version = "1.1"
    modes = frozenset({"full"})
    description = ("Error level analysis on luma: JPEG re-compression at the file's own estimated quality (90 for "
                   "non-JPEG files), per-16px-block error regressed on local texture; residual outliers mapped.")
    limitations = ("Uniform for images re-saved several times or heavily resized; strong edges and saturated "
                   "areas can stand out without manipulation. Below 512x512 px its weight shrinks with the area (too few "
                   "blocks to tell a chance outlier from a paste). A map to read, not a proof.")

    def analyze(self, media, ctx: AnalysisContext) -> LayerResult:
        quality = _recompress_quality(media, ctx.settings.jpeg_recompress_quality)
        error = error_level_map(media.gray, quality)
        ctx.check_cancelled()
        block_error = block_mean(error, BLOCK)
        texture = block_std(media.gray, BLOCK)
        if block_error.size < 16:
            return LayerResult(self.name, 0.5, 0.0, "Image too small for error level analysis", self.version)
        residual = _unexplained_error(block_error, texture)
        outliers = robust_z(residual, MIN_LOG_SCALE) > 3.5
        blob = largest_blob_fraction(outliers)
        score = evidence_score(logistic(blob, 0.01, 0.004))
        details = {"quality_used": quality, "mean_error": float(error.mean()),
                   "outlier_block_fraction": float(outliers.mean()), "largest_outlier_area": blob}
        summary = (f"Largest area of unexplained error covers {blob:.1%} of the image "
                   f"(re-saved at q{quality}; mean error {error.mean():.2f})")
        maps = {"ela": HeatMap.from_float(error, label="ELA error (luma)"),
                "ela_outliers": HeatMap.from_float(np.clip(robust_z(residual, MIN_LOG_SCALE), 0, 8), vmin=0, vmax=8,
                                                   label="error unexplained by texture (robust z)")}
        return LayerResult(self.name, score, area_confidence(media.gray.shape), summary, self.version, details, maps)


def _recompress_quality(media, default: int) -> int:
    tables = media.jpeg_quantization()
    if not tables:
        return default
    estimate = estimate_quality(tables)
    return int(np.clip(round(estimate), 50, 98)) if estimate else default


def error_level_map(gray: np.ndarray, quality: int) -> np.ndarray:
    """Per-pixel absolute luma difference after one JPEG round trip at ``quality``.

    Luma only: it is the plane JPEG keeps at full resolution and quantises
    most finely, so that is where compression history is legible.
    """
    luma = np.clip(gray, 0, 255).astype(np.uint8)
    ok, encoded = cv2.imencode(".jpg", luma, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise RuntimeError("JPEG re-encoding failed")
    decoded = cv2.imdecode(encoded, cv2.IMREAD_GRAYSCALE)
    return cv2.absdiff(luma, decoded).astype(np.float32)


def _unexplained_error(block_error: np.ndarray, texture: np.ndarray) -> np.ndarray:
    """Residual of log error after a two-pass least-squares fit on log texture."""
    x = np.log1p(texture).ravel()
    y = np.log(block_error + 0.25).ravel()
    keep = np.ones_like(x, dtype=bool)
    for _ in range(2):
        slope, intercept = np.polyfit(x[keep], y[keep], 1) if np.ptp(x[keep]) > 1e-6 else (0.0, np.median(y))
        residual = y - (slope * x + intercept)
        keep = np.abs(robust_z(residual)) < 2.5
        if keep.sum() < 8:
            break
    return residual.reshape(block_error.shape)
