"""Video files: probing, streaming decode under a sampling plan, and the audio track.

A video is never held in memory. A decode thread walks the stream and hands
frames to the analysis through a small bounded queue, so decoding overlaps with
face detection and inference, and memory stays flat whatever the length.

What each decoded frame carries depends on the plan:
- every frame the temporal layers look at (at most ``temporal_fps`` a second)
  carries its luma plane, taken straight from the decoder's Y plane (no colour
  conversion, which costs more than decoding at 1080p);
- sampled frames (``per_interval`` every ``interval_s``) also carry full RGB for
  the face and image models.

Skipping is pushed into the decoder where the codec allows: keyframes-only
plans tell FFmpeg to drop non-key frames before decoding them, the default
plan drops non-reference frames (nothing depends on them), and sparse plans
seek to the keyframe before each sample instead of decoding up to it.

Animated GIF and WebP go through Pillow (FFmpeg has no animated-WebP decoder);
they become the same ``VideoFrame`` objects.
"""

from __future__ import annotations

import queue
import re
import threading
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from pathlib import Path
from typing import Iterator

import numpy as np

from ..errors import AnalysisCancelled, CorruptMediaError, MediaError, MediaTooLargeError, TruncatedMediaError
from .audio import AudioMedia, declared_seconds
from .derived import SharedDerivations
from .shots import ShotSegmenter, intervals_of, shots_of

QUEUE_FRAMES = 8  # decoded frames waiting for analysis; bounds memory (8 x a 4K RGB frame ~ 200 MB worst case)
MAX_BAD_PACKETS = 200  # this many undecodable packets with no good frame in between: give up
SEEK_MIN_GAP_S = 4.0  # samples further apart than this are reached by seeking, not by decoding the gap
# Pixel formats whose first plane is 8-bit luma, readable without colour conversion.
_Y_PLANE_FORMATS = {"yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p", "nv12", "nv21", "gray",
                    "yuv411p", "yuv440p", "yuvj440p", "yuva420p"}


@dataclass(frozen=True)
class SamplingPlan:
    """Which frames are decoded, looked at, and sampled for the models.

    ``strategy``: ``interval`` (``per_interval`` frames every ``interval_s``),
    ``keyframes`` (only key frames are decoded; fast mode) or ``all`` (every
    frame is decoded and sampled).
    """

    strategy: str = "interval"
    per_interval: float = 5.0
    interval_s: float = 2.0
    temporal_fps: float = 10.0

    @property
    def sample_step(self) -> float:
        return 0.0 if self.strategy != "interval" else self.interval_s / max(0.01, self.per_interval)

    @classmethod
    def for_settings(cls, settings) -> "SamplingPlan":
        strategy = settings.video_sampling
        if strategy == "auto":
            strategy = "keyframes" if settings.mode == "fast" else "interval"
        if strategy not in ("interval", "keyframes", "all"):
            raise ValueError(f"unknown video sampling {strategy!r}: use auto, interval, keyframes or all")
        return cls(strategy=strategy, per_interval=settings.frames_per_interval)


class VideoFrame(SharedDerivations):
    """One decoded frame handed to the analysis. ``rgb`` is None unless the frame is sampled."""

    def __init__(self, time: float, luma: np.ndarray, rgb: np.ndarray | None):
        self.time, self.luma, self.rgb = time, luma, rgb

    @property
    def sampled(self) -> bool:
        return self.rgb is not None


class VideoMedia(SharedDerivations):
    """A video file opened for analysis: header facts on open, frames streamed on demand."""

    modality = "video"

    def __init__(self, evidence, settings):
        self.evidence = evidence
        self.path: Path = evidence.path
        self.settings = settings
        self.plan = SamplingPlan.for_settings(settings)
        self.animated_image = evidence.kind.format in ("GIF", "WEBP")
        self.info = probe_animation(self.path) if self.animated_image else probe_video(self.path)
        if self.info["width"] * self.info["height"] > settings.max_pixels:
            raise MediaTooLargeError(f"video frames are {self.info['width']}x{self.info['height']}, above the "
                                     f"{settings.max_pixels:,}-pixel limit")
        self.stats = {"decoded_frames": 0, "sampled_frames": 0, "bad_packets": 0, "seeks": 0, "stopped_at_s": None}
        self.segmenter = ShotSegmenter()
        self._last_frame_time: float | None = None

    # -- what the pipeline asks of every media object --------------------------------------------------------
    def load(self, mode: str) -> None:
        """Nothing is decoded up front; the stream is walked once, by ``frames``."""

    def tracks(self) -> list[tuple[str, object]]:
        tracks: list[tuple[str, object]] = [("video", self)]
        if self.audio is not None:
            tracks.append(("audio", self.audio))
        return tracks

    @cached_property
    def audio(self):
        """The first audio stream as an ``AudioMedia`` (shared by the audio layers), or None."""
        if self.animated_image or not self.info.get("audio"):
            return None
        return AudioMedia(self.evidence, self.settings.max_audio_seconds)

    @property
    def duration(self) -> float:
        """Seconds of video analysed: up to the last decoded frame once streamed, else the declared duration."""
        declared = float(self.info.get("duration_s") or 0.0)
        if self._last_frame_time is None:
            return declared
        frame = 1.0 / (self.info.get("frame_rate") or 25.0)
        streamed = self._last_frame_time + frame
        return streamed if self.stats["stopped_at_s"] is not None or streamed < declared - 1.0 else max(declared, streamed)

    def shots(self) -> list[tuple[float, float]]:
        return shots_of([cut["time"] for cut in self.segmenter.cuts], self.duration)

    def intervals(self) -> list[tuple[float, float]]:
        """The analysis intervals every video layer reports on (about 2 s, never across a cut)."""
        return intervals_of(self.shots())

    @property
    def size(self) -> tuple[int, int]:
        return self.info["width"], self.info["height"]

    def warnings(self) -> list[str]:
        notes = [f"audio track: {note}" for note in self.audio.warnings()] if self.audio is not None else []
        if self.stats["bad_packets"]:
            notes.append(f"{self.stats['bad_packets']} video packet(s) could not be decoded and were skipped "
                         "(damaged or truncated stream)")
        if self.stats["stopped_at_s"] is not None:
            notes.append(f"only the first {self.stats['stopped_at_s']:g} s of video were analysed "
                         "(the video length limit in the settings)")
        return notes

    def describe(self) -> dict:
        described = dict(self.info) | {"sampling": self.plan.__dict__ | {"sample_step_s": self.plan.sample_step},
                                       "decode": dict(self.stats)}
        if self.audio is not None:
            described["audio_track"] = self.audio.describe()
        if self._last_frame_time is not None:
            described |= {"analysed_seconds": round(self.duration, 3), "cuts": list(self.segmenter.cuts),
                          "shots": [list(shot) for shot in self.shots()]}
        return described

    # -- the stream ------------------------------------------------------------------------------------------
    def frames(self, cancel: threading.Event) -> Iterator[VideoFrame]:
        """Decoded frames in presentation order, produced by a decode thread (see the module docstring)."""
        source = _pillow_frames if self.animated_image else _pyav_frames
        produced = 0
        for frame in _threaded(lambda: source(self.path, self.plan, self.info, self.settings, self.stats), cancel):
            produced += 1
            self.segmenter.add(frame.time, frame.luma)
            self._last_frame_time = frame.time
            yield frame
        if produced == 0:
            raise TruncatedMediaError("the video stream holds no decodable frames")


# -- probing -------------------------------------------------------------------------------------------------
def _open(path: Path):
    import av

    try:
        return av.open(str(path), metadata_errors="replace")
    except av.FFmpegError as exc:
        text = str(exc)
        if "moov atom not found" in text or "End of file" in text:
            raise TruncatedMediaError(f"the container is incomplete (truncated file?): {text}") from None
        raise CorruptMediaError(f"cannot open as video: {text}") from None
    except OSError as exc:
        raise CorruptMediaError(f"cannot open as video: {exc}") from None


def probe_video(path: Path) -> dict:
    """Container, video and audio stream facts, without decoding a picture."""
    container = _open(path)
    with container:
        if not container.streams.video:
            raise MediaError("the file has no video stream", code="no_video_stream")
        stream = container.streams.video[0]
        context = stream.codec_context
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        duration = declared_seconds(container, stream)
        info = {
            "container": container.format.name,
            "container_tags": _tags(container.metadata),
            "video_codec": context.name,
            "profile": context.profile,
            "width": context.width,
            "height": context.height,
            "pixel_format": context.pix_fmt,
            "frame_rate": round(float(rate), 3) if rate else None,
            "declared_frames": stream.frames or None,
            "duration_s": round(duration, 3) if duration else None,
            "video_bit_rate": context.bit_rate or None,
            "container_bit_rate": container.bit_rate or None,
            "video_streams": len(container.streams.video),
            "video_tags": _tags(stream.metadata),
            "rotation": _rotation(stream),
            "audio": None,
        }
        if container.streams.audio:
            audio = container.streams.audio[0]
            info["audio"] = {"codec": audio.codec_context.name, "sample_rate": audio.codec_context.sample_rate,
                             "channels": audio.codec_context.channels, "tags": _tags(audio.metadata)}
        info["timing"] = _scan_packets(container, stream)
    return info


def probe_animation(path: Path) -> dict:
    """Facts about an animated GIF or WebP, read with Pillow (frame durations give the timing)."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            width, height = image.size
            frames = getattr(image, "n_frames", 1)
            durations = []
            for index in range(min(frames, 2000)):
                image.seek(index)
                durations.append(float(image.info.get("duration") or 100) / 1000.0)
            info = {k: str(v)[:200] for k, v in image.info.items() if isinstance(v, (str, int, float))}
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise CorruptMediaError(f"cannot read the animation: {exc}") from None
    total = sum(durations) * (frames / max(1, len(durations)))
    return {"container": path.suffix.lstrip(".").lower() or "animation", "container_tags": info,
            "video_codec": "gif" if image.format == "GIF" else "webp", "width": width, "height": height,
            "pixel_format": "rgb24", "frame_rate": round(frames / total, 3) if total else None,
            "declared_frames": frames, "duration_s": round(total, 3), "video_tags": {}, "rotation": 0,
            "audio": None, "timing": {"variable_frame_rate": len(set(durations)) > 1,
                                      "frame_durations_s": sorted(set(round(d, 3) for d in durations))[:10]}}


def _tags(metadata) -> dict[str, str]:
    return {str(k): str(v)[:300] for k, v in list(metadata.items())[:60]}


def _rotation(stream) -> int:
    """Display rotation in degrees, from the display matrix or a legacy ``rotate`` tag."""
    tag = stream.metadata.get("rotate")
    if tag is not None:
        try:
            return int(float(tag)) % 360
        except ValueError:
            return 0
    try:
        for item in stream.side_data.values() if hasattr(stream.side_data, "values") else []:
            if hasattr(item, "rotation"):
                return int(round(item.rotation)) % 360
    except Exception:  # side data layout differs between PyAV versions; the rotation is informational
        return 0
    return 0


_ENCODER_SEI = re.compile(rb"(x264 - core \d+[^\x00]{0,40}|x265 \(build \d+\)[^\x00]{0,40}|"
                          rb"Lavc\d+\.\d+\.\d+[^\x00]{0,20})")


def _scan_packets(container, stream, max_packets: int = 600) -> dict:
    """From the first packets (demuxed, never decoded): frame-interval statistics (variable frame rate?) and
    the software encoder's signature that x264/x265/libavcodec write into the bitstream."""
    times, signature = [], None
    try:
        for packet in container.demux(stream):
            if packet.pts is not None and packet.time_base:
                times.append(float(packet.pts * packet.time_base))
            if signature is None and len(times) <= 3 and packet.size:
                found = _ENCODER_SEI.search(bytes(packet))
                signature = found.group(0).decode("latin-1").strip() if found else None
            if len(times) >= max_packets:
                break
    except Exception:  # a damaged stream: the decoder will report it
        pass
    timing: dict = {"variable_frame_rate": None, "packets_read": len(times), "encoder_signature": signature}
    deltas = np.diff(np.sort(np.array(times))) if len(times) >= 3 else np.zeros(0)
    deltas = deltas[deltas > 0]
    if len(deltas):
        spread = float(np.percentile(deltas, 95) / max(np.percentile(deltas, 5), 1e-9))
        timing |= {"variable_frame_rate": bool(spread > 1.5), "median_frame_interval_s": round(float(np.median(deltas)), 5),
                   "interval_p95_over_p5": round(spread, 3)}
    return timing


# -- decoding ------------------------------------------------------------------------------------------------
class _Sampler:
    """Decides which frames the models see (sampled) and which the temporal layers see."""

    def __init__(self, plan: SamplingPlan):
        self.plan = plan
        self.next_sample = 0.0
        self.next_temporal = 0.0

    def take(self, time: float) -> tuple[bool, bool]:
        """(look at it, sample it) for a frame at ``time``."""
        if self.plan.strategy in ("all", "keyframes"):
            return True, True
        sample = time >= self.next_sample - 1e-6
        if sample:
            self.next_sample = max(self.next_sample + self.plan.sample_step, time + 0.5 * self.plan.sample_step)
        temporal = sample or time >= self.next_temporal - 1e-6
        if temporal:
            self.next_temporal = time + 1.0 / self.plan.temporal_fps
        return temporal, sample


def _pyav_frames(path: Path, plan: SamplingPlan, info: dict, settings, stats: dict) -> Iterator[VideoFrame]:
    container = _open(path)
    with container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"  # FFmpeg frame threads: decoding runs beside our analysis
        if plan.strategy == "keyframes":
            stream.codec_context.skip_frame = "NONKEY"
        elif plan.strategy == "interval":
            stream.codec_context.skip_frame = "NONREF"  # no other frame depends on these: skipping them is free
        time_base = stream.time_base or Fraction(1, 90000)
        start = float(stream.start_time * time_base) if stream.start_time is not None else 0.0
        fps = info.get("frame_rate") or 25.0
        sampler = _Sampler(plan)
        seeking = plan.strategy == "interval" and plan.sample_step >= SEEK_MIN_GAP_S
        frames, index, last_time = _decode_tolerantly(container, stream, stats), 0, -1.0
        while (frame := next(frames, None)) is not None:
            time = float(frame.pts * (frame.time_base or time_base)) - start if frame.pts is not None else index / fps
            index += 1
            if time > settings.max_video_seconds:
                stats["stopped_at_s"] = settings.max_video_seconds
                return
            stats["decoded_frames"] += 1
            if seeking and time <= last_time:  # the seek landed behind us: keyframes are sparser than samples
                seeking = False
            last_time = max(last_time, time)
            temporal, sample = sampler.take(time)
            if not temporal:
                continue
            stats["sampled_frames"] += int(sample)
            rgb = frame.to_ndarray(format="rgb24") if sample else None
            yield VideoFrame(round(time, 4), _luma(frame), rgb)
            if sample and seeking:
                container.seek(int((sampler.next_sample + start) / time_base), stream=stream, backward=True)
                stats["seeks"] += 1
                frames = _decode_tolerantly(container, stream, stats)


def _decode_tolerantly(container, stream, stats: dict):
    """Decoded frames; undecodable packets are counted and skipped (a damaged file still yields what is intact)."""
    import av

    bad_in_a_row = 0
    packets = container.demux(stream)
    while True:
        try:
            packet = next(packets)
        except StopIteration:
            return
        except av.FFmpegError:  # the demuxer hit damage (often a truncated file): what came before stands
            stats["bad_packets"] += 1
            return
        try:
            frames = packet.decode()
        except av.FFmpegError:
            stats["bad_packets"] += 1
            bad_in_a_row += 1
            if bad_in_a_row > MAX_BAD_PACKETS:
                raise CorruptMediaError("the video stream cannot be decoded (too many damaged packets)") from None
            continue
        for frame in frames:
            bad_in_a_row = 0
            yield frame


def _luma(frame) -> np.ndarray:
    """The frame's 8-bit luma, straight from the Y plane where the pixel format has one."""
    if frame.format.name in _Y_PLANE_FORMATS:
        plane = frame.planes[0]
        rows = np.frombuffer(plane, np.uint8).reshape(plane.height, plane.line_size)
        return rows[:, : plane.width].copy()
    return frame.to_ndarray(format="gray")


def _pillow_frames(path: Path, plan: SamplingPlan, info: dict, settings, stats: dict) -> Iterator[VideoFrame]:
    import cv2
    from PIL import Image

    sampler = _Sampler(plan)
    time = 0.0
    with Image.open(path) as image:
        for index in range(getattr(image, "n_frames", 1)):
            try:
                image.seek(index)
                rgb = np.asarray(image.convert("RGB"), dtype=np.uint8)
            except (OSError, EOFError, ValueError) as exc:
                stats["bad_packets"] += 1
                if index == 0:
                    raise CorruptMediaError(f"the animation cannot be decoded: {exc}") from None
                break
            duration = float(image.info.get("duration") or 100) / 1000.0
            stats["decoded_frames"] += 1
            temporal, sample = sampler.take(time)
            if temporal:
                stats["sampled_frames"] += int(sample)
                yield VideoFrame(round(time, 4), cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), rgb if sample else None)
            time += duration
            if time > settings.max_video_seconds:
                stats["stopped_at_s"] = settings.max_video_seconds
                return


_END = object()


class _Failure:
    def __init__(self, error: BaseException):
        self.error = error


def _threaded(make_source, cancel: threading.Event) -> Iterator[VideoFrame]:
    """Run a frame generator in a decode thread; yield its frames here through a bounded queue."""
    frames: queue.Queue = queue.Queue(maxsize=QUEUE_FRAMES)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                frames.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for frame in make_source():
                if stop.is_set() or cancel.is_set() or not put(frame):
                    return
        except BaseException as exc:  # handed to the consumer, which raises it where it can be reported
            put(_Failure(exc))
        finally:
            put(_END)

    worker = threading.Thread(target=produce, name="video-decode", daemon=True)
    worker.start()
    try:
        while True:
            try:
                item = frames.get(timeout=0.05)
            except queue.Empty:
                if cancel.is_set():
                    raise AnalysisCancelled("analysis cancelled") from None
                continue
            if item is _END:
                break
            if isinstance(item, _Failure):
                raise item.error
            if cancel.is_set():
                raise AnalysisCancelled("analysis cancelled")
            yield item
    finally:
        stop.set()
        worker.join(timeout=5)


class FrameReader:
    """Frames for display (the GUI's frame scrubber): the frame showing at a time, shrunk to ``max_side``.

    Keeps the container open between calls; a request a little ahead of the last frame decodes forward
    instead of seeking, so playing and stepping cost one frame each. Not thread-safe: one reader per thread.
    """

    FORWARD_WITHOUT_SEEK_S = 2.0

    def __init__(self, path: Path, max_side: int = 1280):
        self.path, self.max_side = Path(path), max_side
        self._animated = None
        self._container = None
        self._frames = None
        self._last: tuple[float, np.ndarray] | None = None
        self._pending = None  # a frame decoded past the last request: the next one starts with it
        self._start = 0.0

    def frame_at(self, time: float) -> tuple[float, np.ndarray]:
        """(frame time, RGB uint8) of the last frame starting at or before ``time``."""
        if self._animated is None:
            from PIL import Image

            with open(self.path, "rb") as handle:
                head = handle.read(16)
            self._animated = head.startswith(b"GIF8") or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")
            if self._animated:
                self._image = Image.open(self.path)
        if self._animated:
            return self._animation_frame(time)
        return self._video_frame(time)

    def _video_frame(self, time: float) -> tuple[float, np.ndarray]:
        if self._container is None:
            self._container = _open(self.path)
            stream = self._container.streams.video[0]
            stream.thread_type = "AUTO"
            self._stream = stream
            self._base = stream.time_base or Fraction(1, 90000)
            self._start = float(stream.start_time * self._base) if stream.start_time is not None else 0.0
        last = self._last
        if last is None or time < last[0] or time - last[0] > self.FORWARD_WITHOUT_SEEK_S:
            self._container.seek(max(0, int((time + self._start) / self._base)), stream=self._stream, backward=True)
            self._frames, self._pending = self._container.decode(self._stream), None
            last = None
        try:
            while (frame := self._next_frame()) is not None:
                frame_time = float(frame.pts * self._base) - self._start if frame.pts is not None else 0.0
                if last is not None and frame_time > time + 1e-3:
                    self._pending = frame
                    break
                last = (frame_time, frame)
                if frame_time >= time - 1e-3:
                    break
        except Exception:  # damaged tail: show the last good frame
            pass
        if last is None:
            raise CorruptMediaError(f"no frame could be decoded near {time:.2f} s")
        frame_time, frame = last
        rgb = self._shrunk(frame)
        self._last = (frame_time, rgb)
        return frame_time, rgb

    def _next_frame(self):
        if self._pending is not None:
            frame, self._pending = self._pending, None
            return frame
        return next(self._frames, None)

    def _shrunk(self, frame) -> np.ndarray:
        if isinstance(frame, np.ndarray):
            return frame
        scale = min(1.0, self.max_side / max(frame.width, frame.height))
        if scale < 1.0:
            return frame.to_ndarray(format="rgb24", width=max(2, round(frame.width * scale)) // 2 * 2,
                                    height=max(2, round(frame.height * scale)) // 2 * 2)
        return frame.to_ndarray(format="rgb24")

    def _animation_frame(self, time: float) -> tuple[float, np.ndarray]:
        elapsed, index = 0.0, 0
        for index in range(getattr(self._image, "n_frames", 1)):
            self._image.seek(index)
            duration = float(self._image.info.get("duration") or 100) / 1000.0
            if elapsed + duration > time:
                break
            elapsed += duration
        return elapsed, np.asarray(self._image.convert("RGB"), dtype=np.uint8)

    def close(self) -> None:
        if self._container is not None:
            self._container.close()
            self._container = None
