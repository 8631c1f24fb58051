"""The state object handed to every detector.

Modelled on Orange3's task state: it carries the settings, the device, a
progress callback, the partial results produced so far and an interruption
flag.  Long loops call ``ctx.check_cancelled()``; the GUI's worker and the CLI
both create one per job, so detectors never know who is driving them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from .errors import AnalysisCancelled

if TYPE_CHECKING:
    from .results import LayerResult

ProgressCallback = Callable[[str, float], None]


@dataclass(frozen=True)
class Settings:
    """Analysis settings that change results; all of them are recorded in the result."""

    mode: str = "full"  # "fast" runs provenance plus the cheapest layers
    device: str = "auto"  # auto | cpu | cuda
    max_pixels: int = 120_000_000  # larger declared images are refused (decompression bombs)
    max_file_bytes: int = 4 * 1024**3
    jpeg_recompress_quality: int = 90  # error level analysis
    max_audio_seconds: float = 4 * 3600.0  # longer recordings are analysed up to this point, and say so
    max_video_seconds: float = 4 * 3600.0
    video_sampling: str = "auto"  # auto (full: interval, fast: keyframes) | interval | keyframes | all
    frames_per_interval: float = 5.0  # sampled frames per 2 s interval; below 1 for sparse triage (seeks)

    def as_dict(self) -> dict:
        return {
            "mode": self.mode,
            "device": self.device,
            "max_pixels": self.max_pixels,
            "max_file_bytes": self.max_file_bytes,
            "jpeg_recompress_quality": self.jpeg_recompress_quality,
            "max_audio_seconds": self.max_audio_seconds,
            "max_video_seconds": self.max_video_seconds,
            "video_sampling": self.video_sampling,
            "frames_per_interval": self.frames_per_interval,
        }


def resolve_device(requested: str) -> str:
    """Map ``auto`` to ``cuda`` when torch sees a GPU, else ``cpu``; validate explicit choices."""
    if requested not in ("auto", "cpu", "cuda"):
        raise ValueError(f"unknown device {requested!r}: use auto, cpu or cuda")
    if requested == "cpu":
        return "cpu"
    try:
        import torch

        available = torch.cuda.is_available()
    except Exception:  # torch missing or broken: deterministic layers still run
        available = False
    if requested == "cuda" and not available:
        raise ValueError("--device cuda was requested but no CUDA device is available")
    return "cuda" if available else "cpu"


def _ignore_progress(stage: str, fraction: float) -> None:
    return None


@dataclass
class AnalysisContext:
    settings: Settings = field(default_factory=Settings)
    device: str = "cpu"
    progress: ProgressCallback = _ignore_progress
    cancel_event: threading.Event = field(default_factory=threading.Event)
    partial: list["LayerResult"] = field(default_factory=list)

    @property
    def cancelled(self) -> bool:
        return self.cancel_event.is_set()

    def cancel(self) -> None:
        self.cancel_event.set()

    def check_cancelled(self) -> None:
        if self.cancel_event.is_set():
            raise AnalysisCancelled("analysis cancelled")

    def report(self, stage: str, fraction: float) -> None:
        self.progress(stage, max(0.0, min(1.0, fraction)))
