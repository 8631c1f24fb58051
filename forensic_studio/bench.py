"""``forensic-studio bench``: speed and memory of analysis on generated media.

Interpreter start-up and imports are excluded (a warm-up run happens first);
the figures are medians over ``repeats`` runs on a camera-like JPEG or on a
voice-like recording.
"""

from __future__ import annotations

import platform
import resource
import statistics
import tempfile
import time
from pathlib import Path

from rich.console import Console

from .context import AnalysisContext, Settings
from .pipeline import analyze_file
from .synthetic_media import camera_exif, jpeg_bytes, photo_like, speech_like, wav_bytes


def run_image_bench(megapixels: float, repeats: int, console: Console) -> dict:
    width = int(round((megapixels * 1e6 * 4 / 3) ** 0.5))
    height = int(round(width * 3 / 4))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.jpg"
        path.write_bytes(jpeg_bytes(photo_like(height, width, seed=1), 92, camera_exif(size=(width, height))))
        media = {"width": width, "height": height, "megapixels": round(width * height / 1e6, 2)}
        return _bench_file(path, "image", media, f"{width}x{height}", repeats, console)


def run_audio_bench(seconds: float, repeats: int, console: Console) -> dict:
    """The whole audio pipeline on a generated voice-like WAV of ``seconds`` at 44.1 kHz."""
    rate = 44_100
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.wav"
        path.write_bytes(wav_bytes(speech_like(seconds, rate=rate, seed=3, noise_db=-55), rate))
        media = {"seconds": seconds, "sample_rate": rate}
        return _bench_file(path, "audio", media, f"{seconds:.0f} s of audio", repeats, console)


def _bench_file(path: Path, modality: str, media: dict, what: str, repeats: int, console: Console) -> dict:
    """Full and fast mode timings of one generated file, with the machine and the peak RSS."""
    report = {modality: media | {"bytes": path.stat().st_size},
              "machine": {"python": platform.python_version(), "processor": platform.machine(), "cpus": _cpu_count()}}
    for mode in ("full", "fast"):
        console.print(f"bench: {mode} mode, {repeats} runs on {what}")
        report[mode] = _time_mode(path, mode, repeats)
    report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return report


def _time_mode(path: Path, mode: str, repeats: int) -> dict:
    settings = Settings(mode=mode, device="cpu")
    analyze_file(path, AnalysisContext(settings=settings))  # warm-up: imports, SIFT and codec initialisation
    seconds, stages = [], []
    for _ in range(repeats):
        started = time.perf_counter()
        result = analyze_file(path, AnalysisContext(settings=settings))
        seconds.append(time.perf_counter() - started)
        stages.append(result.timings)
    slowest_stages = {key: round(statistics.median(t[key] for t in stages), 4) for key in stages[0]}
    return {"median_s": round(statistics.median(seconds), 4), "min_s": round(min(seconds), 4),
            "max_s": round(max(seconds), 4), "stages_median_s": slowest_stages}


def _cpu_count() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def run_image_model_bench(device: str, seconds_per_batch_size: float, console: Console) -> dict:
    """Embedded image model throughput in face crops per second (face detection excluded)."""
    import numpy as np

    from .detectors.image.learned import embedded_image_model

    model = embedded_image_model(device)
    rng = np.random.default_rng(0)
    crops = [rng.integers(0, 256, (256, 256, 3), dtype=np.uint8) for _ in range(32)]
    report = {"model": model.id, "device": device, "batch_size": model.runner.batch_size, "machine": {"cpus": _cpu_count()}}
    for label, batch in (("single", crops[:1]), ("batched", crops)):
        console.print(f"bench: {model.id} on {device}, {label}")
        warm_up_until = time.perf_counter() + 1.0  # allocator and oneDNN/cuDNN kernels for this batch shape
        while time.perf_counter() < warm_up_until:
            model.predict(batch)
        done, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds_per_batch_size:
            model.predict(batch)
            done += len(batch)
        report[f"{label}_crops_per_s"] = round(done / (time.perf_counter() - started), 2)
    report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return report
