"""Container provenance of a video: who wrote the file, and does that fit what it claims to be.

Reads the container, stream and handler tags, the encoder signature x264/x265/
libavcodec leave in the bitstream, timing (variable frame rate is typical of
phones, constant of re-encoders), rotation and C2PA content credentials, and
matches every tag against the generator signatures the image layers use.
"""

from __future__ import annotations

import re

from ...context import AnalysisContext
from ...media.metadata import read_c2pa
from ...results import LayerResult
from ..image.signatures import AI_SOURCE_TYPES, match_signatures
from ..registry import register

# Tags by which phones and cameras name themselves.
_CAMERA_TAGS = re.compile(r"(com\.apple\.quicktime\.(make|model)|com\.android\.(manufacturer|model|version)|"
                          r"^make$|^model$|firmware|gopro|dji)", re.IGNORECASE)
# Marks of FFmpeg (or a library built on it) having written or re-encoded the file.
_FFMPEG_TRACE = re.compile(r"^(Lavf|Lavc)\d+|^(VideoHandler|SoundHandler)$|x264 - core|x265 \(build", re.IGNORECASE)
_PLATFORM_TRACE = re.compile(r"ISO Media file produced by Google|YouTube|TikTok|Instagram|WhatsApp|Telegram",
                             re.IGNORECASE)


@register
class VideoContainerProvenance:
    name = "video_container"
    modality = "video"
    version = "1.0"
    modes = frozenset({"full", "fast"})
    description = ("Container and stream tags, handler names, the encoder signature in the bitstream (x264/x265/"
                   "libavcodec), frame timing, rotation and C2PA credentials; generator signatures matched in "
                   "every tag; re-encoding traces on a file that claims to come from a camera.")
    limitations = ("Tags are easy to strip or forge and every platform re-encodes uploads: a re-encode trace shows "
                   "processing, not manipulation, and clean tags prove nothing.")

    def analyze(self, media, ctx: AnalysisContext) -> LayerResult:
        info = media.info
        fields = _tag_fields(info)
        c2pa = read_c2pa(media.path) if not media.animated_image else None
        if c2pa is not None and c2pa.present:
            fields.append(("c2pa:claim_generator", c2pa.claim_generator))
        matches = [m for m in match_signatures(fields) if m.category in ("ai_generator", "ai_editor")]
        camera = sorted({f"{k}={v}" for k, v in fields if _CAMERA_TAGS.search(k.split(":", 1)[1])})
        ffmpeg = sorted({f"{k}={v}" for k, v in fields if _FFMPEG_TRACE.search(v)})
        platform = sorted({f"{k}={v}" for k, v in fields if _PLATFORM_TRACE.search(v)})
        c2pa_ai = [a for a in (c2pa.actions if c2pa and c2pa.present else [])
                   if str(a.get("digitalSourceType", "")).rsplit("/", 1)[-1].lower() in AI_SOURCE_TYPES]
        details = {"tables": {"Container": info.get("container_tags", {}), "Video stream": info.get("video_tags", {}),
                              "Audio stream": (info.get("audio") or {}).get("tags", {}),
                              "Stream": _stream_table(info)},
                   "camera_claims": camera, "ffmpeg_traces": ffmpeg, "platform_traces": platform,
                   "matches": [m.as_dict() for m in matches],
                   "c2pa": c2pa.__dict__ if c2pa is not None and c2pa.present else None}
        if matches or c2pa_ai:
            tools = sorted({m.tool for m in matches}) or ["C2PA digital source type"]
            return LayerResult(self.name, 0.97, 1.0, f"Generator signature in the container: {', '.join(tools)}",
                               self.version, details, signals={"ai_metadata": True})
        if camera and ffmpeg:
            return LayerResult(self.name, 0.65, 0.3, f"Claims camera origin ({camera[0]}) but carries FFmpeg "
                               f"traces ({ffmpeg[0]}): re-encoded or re-muxed, not camera-original", self.version,
                               details, signals={"reencoded": True})
        if camera:
            return LayerResult(self.name, 0.4, 0.2, f"Camera tags ({camera[0]}) and no re-encoding trace",
                               self.version, details)
        traces = ffmpeg + platform
        summary = (f"No generator signature; written by {traces[0]}" if traces
                   else "No generator signature and no camera or encoder tags")
        return LayerResult(self.name, 0.5, 0.0, summary, self.version, details)


def _tag_fields(info: dict) -> list[tuple[str, str]]:
    fields = [(f"container:{k}", v) for k, v in info.get("container_tags", {}).items()]
    fields += [(f"video:{k}", v) for k, v in info.get("video_tags", {}).items()]
    fields += [(f"audio:{k}", v) for k, v in ((info.get("audio") or {}).get("tags") or {}).items()]
    signature = (info.get("timing") or {}).get("encoder_signature")
    if signature:
        fields.append(("bitstream:encoder", signature))
    return fields


def _stream_table(info: dict) -> dict[str, str]:
    timing = info.get("timing") or {}
    audio = info.get("audio") or {}
    rows = {"container": info.get("container"), "video codec": info.get("video_codec"), "profile": info.get("profile"),
            "size": f"{info.get('width')}x{info.get('height')}", "pixel format": info.get("pixel_format"),
            "frame rate": info.get("frame_rate"), "variable frame rate": timing.get("variable_frame_rate"),
            "duration (s)": info.get("duration_s"), "rotation": info.get("rotation"),
            "encoder in bitstream": timing.get("encoder_signature"),
            "audio": f"{audio.get('codec')} {audio.get('sample_rate')} Hz x{audio.get('channels')}" if audio else "none"}
    return {k: str(v) for k, v in rows.items() if v is not None}
