"""Spectral artefacts of synthetic speech, and the spectrogram every viewer draws."""

from __future__ import annotations

import numpy as np

from ...context import AnalysisContext
from ...results import HeatMap, LayerResult
from ..registry import register
from .learned import pooled_head_layer

CONFIDENCE = 0.5
SPECTROGRAM_COLUMNS = 1200  # time resolution of the stored spectrogram, whatever the duration
SPECTROGRAM_N_FFT = 512
CUTOFF_DROP_DB = 45.0  # the band limit is where the long-term spectrum stays this far below its peak


def spectrogram(signal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Log-power spectrogram (dB; image orientation: the first row is 8 kHz, the last 0 Hz) at most
    ``SPECTROGRAM_COLUMNS`` frames wide, and the mean spectrum (from 0 Hz up).

    For long recordings the hop grows so the frame count stays fixed: each
    column is one 32 ms frame sampled at its point in time, enough to see
    bands, cut-offs and pauses without holding a full-resolution transform.
    """
    import librosa

    hop = max(SPECTROGRAM_N_FFT // 4, int(np.ceil(len(signal) / SPECTROGRAM_COLUMNS)))
    padded = signal if len(signal) >= SPECTROGRAM_N_FFT else np.pad(signal, (0, SPECTROGRAM_N_FFT - len(signal)))
    power = np.abs(librosa.stft(padded, n_fft=SPECTROGRAM_N_FFT, hop_length=hop)) ** 2
    mean_spectrum = power.mean(1)
    return 10 * np.log10(power[::-1] + 1e-12), mean_spectrum / max(float(mean_spectrum.sum()), 1e-20)


def band_limit_hz(mean_spectrum: np.ndarray, rate: int = 16_000) -> float:
    """Highest frequency whose long-term level is within ``CUTOFF_DROP_DB`` of the peak."""
    level = 10 * np.log10(mean_spectrum + 1e-20)
    above = np.flatnonzero(level >= level.max() - CUTOFF_DROP_DB)
    return float(above[-1] * rate / 2 / (len(level) - 1)) if len(above) else 0.0


@register
class SpectralDetector:
    name = "audio_spectral"
    modality = "audio"
    version = "1.0"
    modes = frozenset({"full", "fast"})
    description = ("Spectral statistics per speech window: long-term envelope, spectral flatness per band in "
                   "speech and pauses, and fine-resolution spectral ripple (tones left by vocoder upsampling), "
                   "0-7 kHz; a linear read-out calibrated leave-one-page-out (see the audio model card). Also "
                   f"measures the band limit (where the spectrum falls {CUTOFF_DROP_DB:.0f} dB below its peak) and "
                   "draws the spectrogram.")
    limitations = ("The band limit is reported, not scored: telephone and low-rate recordings are band-limited "
                   "too. Background noise and music mask the statistics; weak on its own (see the model card).")

    def analyze(self, media, ctx: AnalysisContext) -> LayerResult:
        grid, mean_spectrum = spectrogram(media.signal)
        layer = pooled_head_layer(self, media, ctx, "spectral_logit", "audio:spectral", CONFIDENCE,
                                  "Spectral statistics")
        cutoff = band_limit_hz(mean_spectrum)
        native = media.stream_info.get("sample_rate") or 0
        layer.details.update({"band_limit_hz": round(cutoff), "native_nyquist_hz": native // 2 if native else None})
        layer.summary += f"; energy ends near {cutoff / 1000:.1f} kHz of the analysed 8 kHz"
        layer.maps["spectrogram"] = HeatMap.from_float(
            grid, max_side=SPECTROGRAM_COLUMNS, kind="spectrogram", label="spectrogram (dB, 0-8 kHz)",
            vmin=float(np.percentile(grid, 5)), vmax=float(grid.max()), extent=[0.0, media.duration, 0.0, 8000.0])
        return layer
