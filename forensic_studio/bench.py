"""``forensic-studio bench``: speed and memory of analysis on generated media.

Interpreter start-up and imports are excluded (a warm-up run happens first);
the figures are medians over ``repeats`` runs on a camera-like JPEG, a
voice-like recording or a camera-like video clip. For video the same run also
times ``ffmpeg -threads 2 -i CLIP -f null -`` (decoding alone) on the clip, and
reports analysis time as a multiple of it; ``video-memory`` measures the peak
resident memory of a separate ``analyze`` process on a long clip.
"""

from __future__ import annotations

import platform
import resource
import shutil
import statistics
import subprocess
import sys
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


def run_video_bench(seconds: float, width: int, height: int, repeats: int, console: Console,
                    face_image: Path | None = None) -> dict:
    """The whole video pipeline on a generated H.264/AAC clip, against FFmpeg decoding the same clip."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.mp4"
        console.print(f"bench: generating a {seconds:.0f} s {width}x{height} 30 fps H.264 + AAC clip")
        _write_bench_clip(path, seconds, width, height, face_image)
        media = {"seconds": seconds, "width": width, "height": height, "fps": 30, "video": "H.264 (x264 veryfast, crf 23)",
                 "audio": "AAC 48 kHz", "face": str(face_image) if face_image else None}
        decode = _ffmpeg_decode_seconds(path, repeats)
        report = _bench_file(path, "video", media, f"{seconds:.0f} s of {width}x{height} video", repeats, console)
        report["ffmpeg_decode"] = decode
        if decode.get("median_s"):
            for mode in ("full", "fast"):
                report[mode]["over_ffmpeg_decode"] = round(report[mode]["median_s"] / decode["median_s"], 3)
        return report


def run_video_memory_bench(seconds: float, width: int, height: int, console: Console) -> dict:
    """Peak resident memory of ``forensic-studio analyze`` (own process) on a long generated clip."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "long.mp4"
        console.print(f"bench: generating a {seconds / 60:.0f} min {width}x{height} clip (takes a while)")
        _write_bench_clip(path, seconds, width, height, None, preset="ultrafast")
        console.print("bench: analysing it in a separate process")
        started = time.perf_counter()
        stdout, returncode, peak = _run_measuring_peak([sys.executable, "-m", "forensic_studio", "analyze", str(path),
                                                        "--json"])
        wall = time.perf_counter() - started
    import json

    result = json.loads(stdout.splitlines()[-1]) if stdout.strip() else {}
    return {"video": {"seconds": seconds, "width": width, "height": height},
            "exit_status": returncode, "wall_s": round(wall, 2), "peak_rss_mb": round(peak, 1),
            "verdict": result.get("verdict"), "error": result.get("error"),
            "machine": {"python": platform.python_version(), "cpus": _cpu_count()}}


def _run_measuring_peak(command: list[str]) -> tuple[str, int, float]:
    """Run a command; (stdout, exit status, its own peak RSS in MB).

    The peak is the child's VmHWM, read from /proc while it runs: getrusage's figure for children also
    counts the parent's pages the child held between fork and exec (this process has just generated
    a long clip, so that would be its size, not the analysis').
    """
    with tempfile.TemporaryFile(mode="w+") as out:
        child = subprocess.Popen(command, stdout=out, stderr=subprocess.DEVNULL, text=True)
        status = Path(f"/proc/{child.pid}/status")
        peak_kb = 0
        while child.poll() is None:
            try:
                line = next(l for l in status.read_text().splitlines() if l.startswith("VmHWM:"))
                peak_kb = max(peak_kb, int(line.split()[1]))
            except (OSError, StopIteration, ValueError):  # not Linux, or the process just ended
                pass
            time.sleep(0.05)
        if not peak_kb:  # no /proc: the portable figure, with the caveat above
            peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        out.seek(0)
        return out.read(), child.returncode, peak_kb / 1024


def run_ui_stall_bench(seconds: float, console: Console, face_image: Path | None = None) -> dict:
    """The window analysing a generated 1080p30 clip; the longest gap between UI event-loop turns."""
    from .gui.stall import measure_ui_stall

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "stall.mp4"
        console.print(f"bench: generating a {seconds:.0f} s 1920x1080 clip" + (" with a face" if face_image else ""))
        _write_bench_clip(path, seconds, 1920, 1080, face_image)
        console.print("bench: analysing it in the window (offscreen unless DISPLAY is set)")
        report = measure_ui_stall(path)
    return report | {"video": {"seconds": seconds, "width": 1920, "height": 1080, "face": str(face_image) if face_image else None},
                     "machine": {"cpus": _cpu_count()}}


def _write_bench_clip(path: Path, seconds: float, width: int, height: int, face_image: Path | None,
                      preset: str = "veryfast") -> None:
    import numpy as np
    from PIL import Image

    from .synthetic_media import write_video

    face = np.asarray(Image.open(face_image).convert("RGB")) if face_image else None
    write_video(path, seconds, width, height, 30, seed=5, face=face, face_width=height // 3,
                options={"preset": preset, "crf": "23"})


def _ffmpeg_decode_seconds(path: Path, repeats: int) -> dict:
    """Wall time of FFmpeg decoding every stream of the clip to nothing (``-threads 2``), median of runs."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        return {"error": "ffmpeg is not on PATH (apt-get install ffmpeg): no decode baseline"}
    command = [ffmpeg, "-v", "error", "-nostdin", "-threads", "2", "-i", str(path), "-f", "null", "-"]
    subprocess.run(command, check=True, capture_output=True)  # warm the page cache like the analysis warm-up
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        seconds.append(time.perf_counter() - started)
    version = subprocess.run([ffmpeg, "-version"], capture_output=True, text=True).stdout.split("\n")[0]
    return {"median_s": round(statistics.median(seconds), 4), "min_s": round(min(seconds), 4), "version": version}


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
