"""Noise residual inconsistency: does the sensor noise look the same everywhere?

A camera leaves noise of a level that varies smoothly with brightness.  A
spliced or generated region usually carries a different noise level.  The
residual is a fixed SRM-style second-order high-pass filter; its mean absolute
value is measured in 32-px blocks, only in blocks flat enough that the residual
is dominated by noise rather than by edges.
"""

from __future__ import annotations

import numpy as np

from ...context import AnalysisContext
from ...results import HeatMap, LayerResult
from ..registry import register
from .stats import area_confidence, block_mean, block_std, evidence_score, largest_blob_fraction, logistic, robust_z

BLOCK = 32

@register
class NoiseResidual:
    name = "noise"
    modality = "image"
    version = "1.1"
    modes = frozenset({"full"})
    description = ("SRM 'KB' high-pass residual; mean absolute residual per 32-px block over the flatter 60% "
                   "of blocks (unclipped); robust z-scores of log noise level; largest outlying connected area.")
    limitations = ("Denoising, beautification filters and strong compression flatten noise everywhere; "
                   "regions of very different brightness legitimately differ somewhat, and an out-of-focus background "
                   "carries less noise than the subject. Below 512x512 px its weight shrinks with the area.")

    def analyze(self, media, ctx: AnalysisContext) -> LayerResult:
        gray = media.gray
        residual = np.abs(media.highpass)
        level = block_mean(residual, BLOCK)
        brightness = block_mean(gray, BLOCK)
        texture = block_std(gray, BLOCK)
        if level.size < 16:
            return LayerResult(self.name, 0.5, 0.0, "Image too small for noise analysis", self.version)
        usable = (brightness > 8) & (brightness < 247) & (texture <= np.percentile(texture, 60) + 1e-6)
        if usable.sum() < 8:
            return LayerResult(self.name, 0.5, 0.0, "Too few unclipped flat regions to measure noise", self.version)
        log_level = np.log(level + 0.05)
        z = np.zeros_like(log_level)
        z[usable] = robust_z(log_level[usable])
        outliers = usable & (np.abs(z) > 4.0)
        blob = largest_blob_fraction(outliers)
        spread = float(np.std(log_level[usable]))
        score = evidence_score(max(logistic(blob, 0.02, 0.005), logistic(spread, 0.9, 0.12)))
        details = {"median_noise_level": float(np.median(level[usable])), "log_level_spread": spread,
                   "outlier_block_fraction": float(outliers.sum() / usable.sum()), "largest_outlier_area": blob,
                   "usable_blocks": int(usable.sum())}
        summary = (f"Noise level spread {spread:.2f} (log units); largest inconsistent area {blob:.1%} of the image")
        display = np.where(usable, log_level, np.median(log_level[usable]))
        maps = {"noise_level": HeatMap.from_float(display, label="local noise level (log, 32-px blocks)"),
                "noise_residual": HeatMap.from_float(np.clip(residual, 0, 20), vmin=0, vmax=20,
                                                     label="high-pass residual |KB|")}
        return LayerResult(self.name, score, area_confidence(media.gray.shape), summary, self.version, details, maps)
