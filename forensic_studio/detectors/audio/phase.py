"""Phase irregularities: group delay and instantaneous-frequency deviation across the band."""

from __future__ import annotations

from ...context import AnalysisContext
from ...results import LayerResult
from ..registry import register
from .learned import pooled_head_layer

CONFIDENCE = 0.5


@register
class PhaseDetector:
    name = "audio_phase"
    modality = "audio"
    version = "1.0"
    modes = frozenset({"full"})
    description = ("Phase statistics per speech window: mean absolute group delay and its spread across frames, "
                   "instantaneous-frequency deviation and its kurtosis, in four bands up to 7 kHz; a linear "
                   "read-out calibrated leave-one-page-out (see the audio model card). Vocoders that synthesise "
                   "phase (or reuse it) leave it more regular than a recorded voice.")
    limitations = ("Weak on its own (see its held-out AUC in the model card); lossy codecs alter phase, so "
                   "strongly compressed recordings push it either way.")

    def analyze(self, media, ctx: AnalysisContext) -> LayerResult:
        return pooled_head_layer(self, media, ctx, "phase_logit", "audio:phase", CONFIDENCE, "Phase statistics")
