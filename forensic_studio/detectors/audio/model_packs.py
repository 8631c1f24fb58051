"""Installed audio model packs (AASIST, AASIST-L, RawGAT-ST, Hugging Face classifiers) over the speech windows."""

from __future__ import annotations


from ...context import AnalysisContext
from ...results import LayerResult, TimelineEntry
from ..registry import register
from .windows import FAKE_WINDOW, scored_windows

PACK_CONFIDENCE = 0.6  # third-party models, not calibrated on our validation data


@register
class AudioModelPackDetector:
    name = "audio_packs"
    modality = "audio"
    version = "1.0"
    modes = frozenset({"full"})
    description = ("Installed audio model packs (AASIST, AASIST-L, RawGAT-ST: raw-waveform graph-attention "
                   "anti-spoofing networks trained on ASVspoof 2019 LA; Hugging Face wav2vec2-style classifiers), "
                   "each scoring every 4 s speech window; per pack the mean window probability, then the packs' "
                   "weighted mean.")
    limitations = ("Third-party models (ASVspoof 2019 LA: VCTK speakers, 2019 TTS/VC systems; Hugging Face packs: "
                   "their own undisclosed data); they are known to generalise poorly to other data and codecs. "
                   "Absent unless the analyst installed packs.")

    def analyze(self, media, ctx: AnalysisContext) -> LayerResult:
        from ...packs.kinds import active_packs, run_packs

        packs = active_packs("audio")
        windows = scored_windows(media)
        if not packs or not windows:
            reason = "No audio model packs installed" if not packs else "No speech windows to score"
            return LayerResult(self.name, 0.5, 0.0, reason, self.version)
        clips = [w.samples(media.signal) for w in windows]
        per_pack, failures, models = run_packs(packs, lambda pack: clips, ctx)
        if not per_pack:
            return LayerResult(self.name, 0.5, 0.0, f"All {len(packs)} audio pack(s) failed", self.version,
                               {"failures": failures}, error="; ".join(failures.values()))
        weights = {p.id: p.ensemble_weight for p in packs if p.id in per_pack}
        windowed = sum(per_pack[k] * w for k, w in weights.items()) / sum(weights.values())
        scores = {k: float(v.mean()) for k, v in per_pack.items()}
        score = float(windowed.mean())
        ranked = ", ".join(f"{k} {v:.2f}" for k, v in sorted(scores.items(), key=lambda kv: -kv[1]))
        timeline = [TimelineEntry(w.start, w.end, round(float(p), 6), ["audio:pack_spoof"] if p >= FAKE_WINDOW else [])
                    for w, p in zip(windows, windowed)]
        details = {"pack_scores": scores, "ensemble_weights": weights, "failures": failures}
        return LayerResult(self.name, score, PACK_CONFIDENCE, f"Ensemble of {len(scores)} audio pack(s): {score:.2f} "
                           f"({ranked})", self.version, details, timeline=timeline, models=list(models.values()))
