"""Installed image model packs on a video: one sampled frame per interval, faces or whole frame as each pack wants."""

from __future__ import annotations

import numpy as np

from ...context import AnalysisContext
from ...results import LayerResult
from ..image.model_packs import PACK_CONFIDENCE, score_with_packs, weighted_mean
from ..registry import register
from .common import logit, series_timeline, sigmoid
from .tracking import faces_in

EVERY_SECONDS = 2.0  # third-party networks are slow (a ViT is ~0.1 s a crop on CPU): one frame per interval


@register
class VideoModelPackDetector:
    name = "video_packs"
    modality = "video"
    version = "1.0"
    modes = frozenset({"full"})
    description = ("Installed image model packs (Hugging Face classifiers, MesoNet) on one sampled frame every "
                   "2 s: face packs on the tracked face crops, general packs on the whole frame; per pack the "
                   "mean log-odds over frames, then the packs' weighted mean.")
    limitations = ("Third-party still-image models with their own training data; not calibrated by this project. "
                   "Absent unless the analyst installed packs.")

    def watch(self, media, ctx: AnalysisContext):
        from ...packs.kinds import active_packs

        self.packs = active_packs("image")
        self.frames: list[tuple[float, dict[str, float]]] = []
        self.failures: dict[str, str] = {}
        self.models: dict = {}
        due = [0.0]

        def on_frame(frame) -> None:
            if not self.packs or not frame.sampled or frame.time < due[0]:
                return
            due[0] = frame.time + EVERY_SECONDS
            crops = [face.crop for face in faces_in(media, frame)]
            scores, failures, models = score_with_packs(self.packs, crops, frame.rgb, ctx)
            self.failures.update(failures)
            self.models.update(models)
            if scores:
                self.frames.append((frame.time, scores))

        return on_frame

    def analyze(self, media, ctx: AnalysisContext) -> LayerResult:
        if not self.packs:
            return LayerResult(self.name, 0.5, 0.0, "No image model packs installed", self.version)
        if not self.frames:
            reason = f"All {len(self.packs)} model pack(s) failed" if self.failures else "No frame was scored"
            return LayerResult(self.name, 0.5, 0.0, reason, self.version, {"failures": self.failures},
                               error="; ".join(self.failures.values()) or None)
        per_pack: dict[str, list[float]] = {}
        for _, scores in self.frames:
            for pack_id, probability in scores.items():
                per_pack.setdefault(pack_id, []).append(logit(probability))
        pack_scores = {k: sigmoid(float(np.mean(v))) for k, v in per_pack.items()}
        weights = {p.id: p.ensemble_weight for p in self.packs if p.id in pack_scores}
        score = weighted_mean(pack_scores, weights)
        points = [(time, weighted_mean(s, {k: w for k, w in weights.items() if k in s})) for time, s in self.frames]
        ranked = ", ".join(f"{k} {v:.2f}" for k, v in sorted(pack_scores.items(), key=lambda kv: -kv[1]))
        details = {"pack_scores": pack_scores, "ensemble_weights": weights, "frames_scored": len(self.frames),
                   "failures": self.failures}
        return LayerResult(self.name, score, PACK_CONFIDENCE, f"Ensemble of {len(pack_scores)} pack(s) over "
                           f"{len(self.frames)} frame(s): {score:.2f} ({ranked})", self.version, details,
                           timeline=series_timeline(media.intervals(), points, "face:pack"),
                           models=list(self.models.values()))
