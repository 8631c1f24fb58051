"""Fusion v1: weighted log-odds pooling of layer scores, with per-layer contributions.

Each layer contributes ``weight x confidence x logit(score)``; the sum plus the
profile's prior is the fused log-odds.  Contributions are additive, so the
breakdown says exactly how far each layer moved the verdict and in which
direction.  A layer with confidence 0 (nothing to say) contributes nothing.
"""

from __future__ import annotations

import math

from ..results import Contribution, FusionResult, LayerResult
from .profiles import AUDIO_PROFILES, PROFILES, VIDEO_PROFILES, Profile

SCORE_CLIP = 1e-3


def select_profile(layers: list[LayerResult], modality: str = "image") -> Profile:
    candidates = [p for p in PROFILES + AUDIO_PROFILES + VIDEO_PROFILES if p.modality == modality] or list(PROFILES)
    raised = {signal for layer in layers if layer.error is None for signal, on in layer.signals.items() if on}
    for profile in candidates:
        if profile.selected_by is None or profile.selected_by in raised:
            return profile
    return candidates[-1]


def logit(probability: float) -> float:
    p = min(max(probability, SCORE_CLIP), 1 - SCORE_CLIP)
    return math.log(p / (1 - p))


def sigmoid(log_odds: float) -> float:
    return 1.0 / (1.0 + math.exp(-min(max(log_odds, -60.0), 60.0)))


def verdict_for(probability: float, profile: Profile) -> str:
    if probability >= profile.fake_above:
        return "fake"
    if probability <= profile.authentic_below:
        return "authentic"
    return "inconclusive"


def fuse(layers: list[LayerResult], modality: str = "image") -> FusionResult:
    profile = select_profile(layers, modality)
    contributions = []
    for layer in layers:
        weight = profile.weights.get(layer.name, profile.default_weight)
        effective = 0.0 if layer.error else weight * layer.confidence
        contributions.append(Contribution(layer=layer.name, score=layer.score, confidence=layer.confidence,
                                          weight=weight, log_odds=effective * logit(layer.score)))
    total = profile.prior_log_odds + sum(c.log_odds for c in contributions)
    probability = 1.0 / (1.0 + math.exp(-total))
    verdict = verdict_for(probability, profile)
    return FusionResult(
        profile=profile.name,
        profile_reason=profile.reason,
        fake_probability=probability,
        verdict=verdict,
        prior_log_odds=profile.prior_log_odds,
        contributions=contributions,
        thresholds={"authentic_below": profile.authentic_below, "fake_above": profile.fake_above},
        explanation=explain(verdict, probability, profile, contributions, layers),
    )


def explain(verdict: str, probability: float, profile: Profile, contributions: list[Contribution],
            layers: list[LayerResult]) -> str:
    """One paragraph: verdict, why this profile, and the layers that moved it most."""
    summaries = {layer.name: layer.summary for layer in layers}
    ranked = sorted((c for c in contributions if abs(c.log_odds) > 0.05), key=lambda c: -abs(c.log_odds))
    parts = [f"Verdict {verdict} (fake probability {probability:.2f}); profile '{profile.name}' because "
             f"{profile.reason}."]
    if not ranked:
        parts.append("No layer gave evidence either way.")
    for item in ranked[:3]:
        direction = "towards fake" if item.log_odds > 0 else "towards authentic"
        parts.append(f"{item.layer} moved it {direction} ({item.log_odds:+.2f} log-odds): {summaries.get(item.layer, '')}.")
    return " ".join(parts)
