"""media -> detectors -> fusion -> AnalysisResult.  Qt-free; the CLI and the GUI both call this.

Bad input never raises out of ``analyze_file``: it becomes an ``AnalysisResult``
with ``error`` set.  A detector that crashes is recorded as a failed layer with a
warning, and the remaining layers still run.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from . import __version__
from .context import AnalysisContext, Settings
from .detectors.registry import detectors_for
from .errors import AnalysisCancelled, MediaError, UnsupportedMediaError
from .fusion.fuse import fuse
from .fusion.timeline import fuse_timeline
from .media.audio import AudioMedia
from .media.image import ImageMedia
from .media.intake import Evidence, take_in
from .media.video import VideoMedia
from .results import AnalysisResult, ErrorInfo, EvidenceInfo, LayerResult, ModelInfo

log = logging.getLogger(__name__)


def _open_video(evidence: Evidence, settings: Settings):
    """A video container; one holding only sound (an .mp4 voice memo) is analysed as the audio it is."""
    try:
        return VideoMedia(evidence, settings)
    except MediaError as exc:
        if exc.code != "no_video_stream":
            raise
    try:
        media = AudioMedia(evidence, settings.max_audio_seconds)
    except MediaError as exc:
        if exc.code != "no_audio_stream":
            raise
        raise MediaError(f"the {evidence.kind.format} container holds no video or audio stream (an empty or "
                         "unfinished recording?)", code="no_media_streams") from None
    media.notes.append(f"the {evidence.kind.format} container holds no video stream: analysed as audio")
    return media


# How each modality is opened.
OPENERS: dict[str, Callable[[Evidence, Settings], object]] = {
    "image": lambda evidence, settings: ImageMedia(evidence, settings.max_pixels),
    "audio": lambda evidence, settings: AudioMedia(evidence, settings.max_audio_seconds),
    "video": _open_video,
}


def analyze_file(path: Path | str, ctx: AnalysisContext | None = None) -> AnalysisResult:
    """Analyse one file; always returns a result (with ``error`` set when the file cannot be analysed)."""
    ctx = ctx or AnalysisContext()
    path = Path(path)
    result = AnalysisResult(evidence=EvidenceInfo(path=str(path)), settings=ctx.settings.as_dict() | {"device": ctx.device},
                            app_version=__version__, analyzed_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
    started = time.perf_counter()
    try:
        _run(path, ctx, result)
    except MediaError as exc:
        result.error = ErrorInfo(code=exc.code, message=str(exc))
    except AnalysisCancelled as exc:
        result.error = ErrorInfo(code=exc.code, message="analysis cancelled by the user")
    except MemoryError:
        result.error = ErrorInfo(code="out_of_memory", message="not enough memory to analyse this file")
    except Exception as exc:  # a bug of ours: report it on this file's line, keep going with the others
        log.debug("internal error on %s", path, exc_info=True)
        result.error = ErrorInfo(code="internal_error", message=f"{type(exc).__name__}: {exc}")
    result.timings["total"] = time.perf_counter() - started
    return result


def _run(path: Path, ctx: AnalysisContext, result: AnalysisResult) -> None:
    timings = result.timings
    with _timed(timings, "intake"):
        evidence = take_in(path, ctx.settings.max_file_bytes)
    before = path.stat()
    result.evidence = EvidenceInfo(path=str(path), sha256=evidence.sha256, md5=evidence.md5,
                                   size_bytes=evidence.size_bytes, modality=evidence.kind.modality,
                                   format=evidence.kind.format)
    opener = OPENERS.get(evidence.kind.modality)
    if opener is None:
        raise UnsupportedMediaError(
            f"{evidence.kind.format} is {evidence.kind.modality}; {evidence.kind.modality} analysis is not "
            "available in this version of Forensic Studio")
    with _timed(timings, "open"):
        media = opener(evidence, ctx.settings)
    result.media = media.describe()  # header facts now; described again after decoding
    with _timed(timings, "decode"):
        media.load(ctx.settings.mode)  # decode errors surface here
    result.evidence.modality = media.modality
    result.layers.extend(_run_tracks(media.tracks(), ctx, result.warnings, timings))
    result.warnings.extend(media.warnings())
    result.media = media.describe()
    result.models = _models_used(result.layers)
    with _timed(timings, "fusion"):
        result.fusion = fuse(result.layers, media.modality)
        grid = media.intervals() if hasattr(media, "intervals") else None
        result.timeline, result.intervals = fuse_timeline(result.layers, media.modality, grid)
    ctx.report("done", 1.0)
    after = path.stat()
    if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
        result.warnings.append("the file changed on disk during analysis: its hash may not match what was analysed")


def _run_tracks(tracks: list[tuple[str, object]], ctx: AnalysisContext, warnings: list[str],
                timings: dict[str, float]) -> list[LayerResult]:
    """Every track's layers; a video's audio track runs in a second thread, beside the frames.

    Only the first track reports progress (two interleaved progress bars would jump about); a
    failing secondary track becomes a warning, because the primary analysis still stands.
    """
    (modality, media), others = tracks[0], tracks[1:]
    if not others:
        return _run_track(modality, media, ctx, warnings, timings)
    quiet = dataclasses.replace(ctx, progress=lambda stage, fraction: None)
    with ThreadPoolExecutor(max_workers=len(others), thread_name_prefix="track") as pool:
        pending = [(name, pool.submit(_run_track, name, track, quiet, warnings, timings)) for name, track in others]
        try:
            layers = _run_track(modality, media, ctx, warnings, timings)
        except BaseException:
            ctx.cancel_event.set()  # stop the other tracks before the error propagates
            raise
        for name, future in pending:
            try:
                layers.extend(future.result())
            except MediaError as exc:
                warnings.append(f"{name} track not analysed: {exc}")
    return layers


def _run_track(modality: str, media, ctx: AnalysisContext, warnings: list[str],
               timings: dict[str, float]) -> list[LayerResult]:
    detectors = detectors_for(modality, ctx.settings.mode)
    failed: dict[str, str] = {}
    if hasattr(media, "frames"):  # a stream of frames: watched once, by every layer that watches
        with _timed(timings, f"stream:{modality}"):
            failed = _watch_stream(media, detectors, ctx)
    layers = []
    for index, detector in enumerate(detectors):
        ctx.check_cancelled()
        ctx.report(detector.name, index / max(1, len(detectors)))
        if detector.name in failed:
            layer = LayerResult.failed(detector.name, detector.version, failed[detector.name])
            warnings.append(f"layer {detector.name} failed: {failed[detector.name]}")
        else:
            layer = _run_detector(detector, media, ctx, warnings)
        layers.append(layer)
        ctx.partial.append(layer)
        timings[f"layer:{detector.name}"] = layer.seconds
    return layers


def _watch_stream(media, detectors: list, ctx: AnalysisContext) -> dict[str, str]:
    """Walk a video's frames once, handing each to every detector that watches the stream.

    A watcher that raises is dropped (its layer is reported failed) and the others go on.
    Returns {detector name: failure message}.
    """
    watchers, failed = {}, {}
    for detector in detectors:
        if hasattr(detector, "watch"):
            try:
                watchers[detector.name] = detector.watch(media, ctx)
            except Exception as exc:
                log.debug("watcher %s failed to start", detector.name, exc_info=True)
                failed[detector.name] = f"{type(exc).__name__}: {exc}"
    if not watchers:
        return failed
    duration = max(media.duration, 1e-3)
    for frame in media.frames(ctx.cancel_event):
        ctx.report("frames", 0.9 * min(1.0, frame.time / duration))
        for name, watcher in list(watchers.items()):
            try:
                watcher(frame)
            except (MediaError, AnalysisCancelled, MemoryError):
                raise
            except Exception as exc:  # one broken layer must not lose the others
                log.debug("watcher %s failed", name, exc_info=True)
                failed[name] = f"{type(exc).__name__}: {exc}"
                del watchers[name]
    return failed


def _run_detector(detector, media, ctx: AnalysisContext, warnings: list[str]) -> LayerResult:
    started = time.perf_counter()
    try:
        layer = detector.analyze(media, ctx)
    except (MediaError, AnalysisCancelled, MemoryError):
        raise
    except Exception as exc:  # one broken layer must not lose the others
        log.debug("detector %s failed", detector.name, exc_info=True)
        warnings.append(f"layer {detector.name} failed: {type(exc).__name__}: {exc}")
        layer = LayerResult.failed(detector.name, detector.version, f"{type(exc).__name__}: {exc}")
    layer.seconds = time.perf_counter() - started
    return layer


def _models_used(layers: list[LayerResult]) -> list[ModelInfo]:
    """Every learned model behind the result, once each, in layer order."""
    seen: dict[str, ModelInfo] = {}
    for layer in layers:
        for model in layer.models:
            seen.setdefault(model.id, model)
    return list(seen.values())


class _timed:
    """Context manager adding the elapsed seconds of a stage to ``timings``."""

    def __init__(self, timings: dict[str, float], stage: str):
        self.timings, self.stage = timings, stage

    def __enter__(self):
        self.started = time.perf_counter()

    def __exit__(self, *exc):
        self.timings[self.stage] = time.perf_counter() - self.started
        return False
