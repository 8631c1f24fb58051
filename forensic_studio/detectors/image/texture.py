"""Texture uniformity: are there areas smoother than any camera sensor makes?

Even a clear sky in a photograph carries sensor noise (a few grey levels of
standard deviation).  Generated and heavily retouched images often contain
patches that are smoother than that.  Measured on native pixels, in 16-px
patches, excluding clipped (black/white) areas where smoothness is expected.
"""

from __future__ import annotations

import cv2
import numpy as np

from ...context import AnalysisContext
from ...results import HeatMap, LayerResult
from ..registry import register
from ...media.image import KB_KERNEL
from .stats import block_mean, block_std, evidence_score, logistic

PATCH = 16
SMOOTH_RESIDUAL = 0.35  # mean |KB residual| below this is smoother than sensor noise at 8 bits


@register
class TextureUniformity:
    name = "texture"
    modality = "image"
    version = "1.0"
    modes = frozenset({"fast", "full"})
    description = ("Share of unclipped 16-px patches whose high-pass residual is below sensor-noise level "
                   "(mean |KB| < 0.35 grey levels), and the spread of patch variance.")
    limitations = ("Smooth studio backgrounds, strong denoising, low-light noise reduction and downscaled "
                   "images are also smooth; weak evidence on its own.")

    def analyze(self, media, ctx: AnalysisContext) -> LayerResult:
        gray = media.gray if ctx.settings.mode == "full" else media.preview_gray
        if min(gray.shape) < PATCH * 4:
            return LayerResult(self.name, 0.5, 0.0, "Image too small for texture analysis", self.version)
        highpass = media.highpass if ctx.settings.mode == "full" else cv2.filter2D(gray, -1, KB_KERNEL)
        residual = block_mean(np.abs(highpass), PATCH)
        brightness = block_mean(gray, PATCH)
        variance = block_std(gray, PATCH)
        unclipped = (brightness > 6) & (brightness < 249)
        if unclipped.sum() < 8:
            return LayerResult(self.name, 0.5, 0.0, "Image is almost entirely clipped", self.version)
        smooth = unclipped & (residual < SMOOTH_RESIDUAL)
        smooth_fraction = float(smooth.sum() / unclipped.sum())
        log_var = np.log1p(variance[unclipped])
        score = evidence_score(logistic(smooth_fraction, 0.2, 0.06))
        confidence = 0.35 if ctx.settings.mode == "full" else 0.2  # previews are smoothed by downscaling
        details = {"smooth_patch_fraction": smooth_fraction, "patch_log_variance_std": float(log_var.std()),
                   "median_patch_residual": float(np.median(residual[unclipped]))}
        summary = f"{smooth_fraction:.1%} of patches are smoother than sensor noise"
        maps = {"smooth_patches": HeatMap.from_float(smooth.astype(np.float32), kind="mask",
                                                     label="patches smoother than sensor noise")}
        return LayerResult(self.name, score, confidence, summary, self.version, details, maps)
