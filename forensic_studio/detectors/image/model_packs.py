"""Installed image model packs (Hugging Face classifiers, MesoNet), pooled as a weighted ensemble.

Each pack scores what it was made for: face models score face crops, general
"AI image" classifiers score the whole picture. Packs with weight 0 are skipped.
A pack that fails to load or verify is named in the result, not silently dropped.
"""

from __future__ import annotations

import numpy as np

from ...context import AnalysisContext
from ...results import LayerResult
from ..registry import register
from .faces_common import face_crops

PACK_CONFIDENCE = 0.6  # third-party models, not calibrated on our validation data


@register
class ModelPackDetector:
    name = "model_packs"
    modality = "image"
    version = "1.0"
    modes = frozenset({"full"})
    description = ("Installed image model packs (Hugging Face image classifiers, MesoNet), each on face crops or "
                   "the whole image as its pack declares; weighted mean of their fake probabilities.")
    limitations = ("Third-party models with their own training data and biases; not calibrated by this project. "
                   "Absent unless the analyst installed packs.")

    def analyze(self, media, ctx: AnalysisContext) -> LayerResult:
        from ...packs.kinds import active_packs

        packs = active_packs("image")
        if not packs:
            return LayerResult(self.name, 0.5, 0.0, "No image model packs installed", self.version)
        crops = face_crops(media)
        scores, failures, models = score_with_packs(packs, crops.images, media.rgb, ctx)
        if not scores:
            return LayerResult(self.name, 0.5, 0.0, f"All {len(packs)} model pack(s) failed", self.version,
                               {"failures": failures}, error="; ".join(failures.values()))
        weights = {p.id: p.ensemble_weight for p in packs if p.id in scores}
        score = weighted_mean(scores, weights)
        ranked = ", ".join(f"{k} {v:.2f}" for k, v in sorted(scores.items(), key=lambda kv: -kv[1]))
        details = {"pack_scores": scores, "ensemble_weights": weights, "faces": len(crops.faces), "failures": failures}
        return LayerResult(self.name, score, PACK_CONFIDENCE, f"Ensemble of {len(scores)} pack(s): {score:.2f} ({ranked})",
                           self.version, details, models=list(models.values()))


def score_with_packs(packs: list, face_images: list[np.ndarray], frame: np.ndarray, ctx: AnalysisContext
                     ) -> tuple[dict[str, float], dict[str, str], dict]:
    """Each pack on what it was made for (face crops, or the whole frame): its highest P(fake).

    Face packs are skipped when there is no face. Returns (scores, failures, models) keyed by pack id.
    """
    from ...packs.kinds import run_packs

    def inputs_for(pack) -> list:
        return face_images if pack.manifest.get("input") == "face" else [frame]

    outputs, failures, models = run_packs(packs, inputs_for, ctx)
    return {k: float(np.max(v)) for k, v in outputs.items()}, failures, models


def weighted_mean(scores: dict[str, float], weights: dict[str, float]) -> float:
    return sum(scores[k] * w for k, w in weights.items()) / sum(weights.values())
