"""Colour statistics: saturation and hue distributions.

Generated images tend towards vivid, clipped saturation and narrow hue
palettes.  This is the weakest of the signal layers and is weighted as such.
"""

from __future__ import annotations

import cv2
import numpy as np

from ...context import AnalysisContext
from ...results import HeatMap, LayerResult
from ..registry import register
from .stats import evidence_score, logistic


def entropy_bits(histogram: np.ndarray) -> float:
    p = histogram[histogram > 0] / histogram.sum()
    return float(-(p * np.log2(p)).sum())


@register
class ColourStatistics:
    name = "colour"
    modality = "image"
    version = "1.0"
    modes = frozenset({"fast", "full"})
    description = ("HSV statistics on a 1024-px preview: saturation entropy (32 bins), hue entropy (36 bins) "
                   "over saturated pixels, share of pixels at near-full saturation.")
    limitations = ("Depends strongly on scene content and on camera picture styles; used with a low weight.")

    def analyze(self, media, ctx: AnalysisContext) -> LayerResult:
        hsv = cv2.cvtColor(media.preview, cv2.COLOR_RGB2HSV_FULL)
        hue, saturation, value = (hsv[..., i].astype(np.float32) for i in range(3))
        lit = value > 40
        if lit.sum() < 100:
            return LayerResult(self.name, 0.5, 0.0, "Image too dark for colour statistics", self.version)
        sat = saturation[lit] / 255.0
        saturated = sat > 0.15
        sat_entropy = entropy_bits(np.histogram(sat, bins=32, range=(0, 1))[0])
        hue_entropy = entropy_bits(np.histogram(hue[lit][saturated], bins=36, range=(0, 256))[0]) if saturated.sum() > 50 else 0.0
        clipped = float((sat > 0.97).mean())
        score = evidence_score(logistic(clipped, 0.12, 0.04))
        details = {"saturation_entropy_bits": sat_entropy, "hue_entropy_bits": hue_entropy,
                   "mean_saturation": float(sat.mean()), "near_full_saturation_fraction": clipped}
        summary = f"{clipped:.1%} of pixels at near-full saturation; mean saturation {sat.mean():.2f}"
        maps = {"saturation": HeatMap.from_float(saturation / 255.0, vmin=0, vmax=1, label="HSV saturation")}
        return LayerResult(self.name, score, 0.2, summary, self.version, details, maps)
