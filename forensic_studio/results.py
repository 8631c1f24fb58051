"""What an analysis produces: per-layer results and the whole-file result.

Both serialise to plain JSON and back without loss (heat maps are stored as
8-bit arrays with their value range, so what is written is what is read).
The field names of ``AnalysisResult.to_dict`` are the CLI contract in
docs/ARCHITECTURE.md: add fields freely, never rename or drop one.
"""

from __future__ import annotations

import base64
import dataclasses
import io
from dataclasses import dataclass, field
from typing import Any

import numpy as np

SCHEMA_VERSION = 1

VERDICTS = ("authentic", "inconclusive", "fake")


@dataclass
class HeatMap:
    """A per-pixel (or per-block) map in [0, 1], stored at a small resolution.

    ``values`` is uint8 (0..255 mapping linearly to ``vmin``..``vmax`` of the
    original quantity), so the JSON form is exact.  ``kind`` tells a viewer how
    to draw it: ``heat`` (hot = suspicious), ``spectrum`` (log power, centred)
    or ``mask``.
    """

    values: np.ndarray
    vmin: float = 0.0
    vmax: float = 1.0
    kind: str = "heat"
    label: str = ""
    extent: list[float] | None = None  # [x0, x1, y0, y1] in media units (e.g. seconds, Hz) for plots with axes

    @classmethod
    def from_float(cls, array: np.ndarray, *, max_side: int = 512, kind: str = "heat",
                   label: str = "", vmin: float | None = None, vmax: float | None = None,
                   extent: list[float] | None = None) -> "HeatMap":
        """Quantise a float map to 8 bits, shrinking it so its longer side is at most ``max_side``."""
        data = np.nan_to_num(_shrink(np.asarray(array, dtype=np.float32), max_side))
        lo = float(data.min()) if vmin is None else float(vmin)
        hi = float(data.max()) if vmax is None else float(vmax)
        span = hi - lo if hi > lo else 1.0
        scaled = np.clip((data - lo) / span, 0.0, 1.0)
        return cls(values=np.round(scaled * 255).astype(np.uint8), vmin=lo, vmax=hi, kind=kind, label=label,
                   extent=extent)

    def as_float(self) -> np.ndarray:
        return self.vmin + (self.values.astype(np.float32) / 255.0) * (self.vmax - self.vmin)

    def to_dict(self) -> dict[str, Any]:
        from PIL import Image

        buffer = io.BytesIO()
        Image.fromarray(self.values, mode="L").save(buffer, format="PNG", optimize=True)
        return {
            "kind": self.kind,
            "label": self.label,
            "vmin": self.vmin,
            "vmax": self.vmax,
            "shape": list(self.values.shape),
            "png_base64": base64.b64encode(buffer.getvalue()).decode("ascii"),
            "extent": self.extent,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "HeatMap":
        from PIL import Image

        raw = base64.b64decode(data["png_base64"])
        values = np.array(Image.open(io.BytesIO(raw)).convert("L"), dtype=np.uint8)
        return cls(values=values, vmin=data["vmin"], vmax=data["vmax"], kind=data["kind"], label=data.get("label", ""),
                   extent=data.get("extent"))


def _shrink(data: np.ndarray, max_side: int) -> np.ndarray:
    """Area-average a 2-D map down so that neither side exceeds ``max_side``."""
    height, width = data.shape[:2]
    if max(height, width) <= max_side:
        return data
    import cv2

    scale = max_side / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(np.ascontiguousarray(data, dtype=np.float32), size, interpolation=cv2.INTER_AREA)


@dataclass
class TimelineEntry:
    start: float
    end: float
    score: float
    labels: list[str] = field(default_factory=list)


@dataclass
class Region:
    """A located finding: a face, a cloned patch.  ``box`` is (x, y, width, height) in media pixels.

    ``time`` is the frame time in seconds for video (None for still images) and
    ``track`` a face-track id that stays the same across frames.
    """

    box: tuple[int, int, int, int]
    score: float
    label: str = ""
    time: float | None = None
    track: int | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(dataclasses.asdict(self) | {"box": list(self.box), "score": round(float(self.score), 6)})

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Region":
        return cls(**(data | {"box": tuple(data["box"])}))


@dataclass
class ModelInfo:
    """A learned model that contributed to a result, pinned by the hash of its weights."""

    id: str
    version: str
    sha256: str


@dataclass
class LayerResult:
    """The outcome of one detector on one piece of media.

    ``score`` is the layer's probability-like belief that the media is fake or
    manipulated (1 = fake).  ``confidence`` in [0, 1] says how much the layer
    itself trusts that score (0 = "nothing to say", e.g. no metadata to read);
    fusion multiplies it into the layer's weight.  ``signals`` are named facts
    other parts of the system act on (fusion profile selection, reports), for
    example ``{"ai_metadata": True}``.
    """

    name: str
    score: float
    confidence: float
    summary: str
    version: str = "1"
    details: dict[str, Any] = field(default_factory=dict)
    maps: dict[str, HeatMap] = field(default_factory=dict)
    timeline: list[TimelineEntry] = field(default_factory=list)
    signals: dict[str, bool] = field(default_factory=dict)
    regions: list[Region] = field(default_factory=list)
    models: list[ModelInfo] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0

    @classmethod
    def failed(cls, name: str, version: str, message: str) -> "LayerResult":
        return cls(name=name, score=0.5, confidence=0.0, summary=f"layer failed: {message}",
                   version=version, error=message)

    def to_dict(self, include_maps: bool = True) -> dict[str, Any]:
        data = {
            "name": self.name,
            "version": self.version,
            "score": round(float(self.score), 6),
            "confidence": round(float(self.confidence), 6),
            "summary": self.summary,
            "details": _jsonable(self.details),
            "signals": dict(self.signals),
            "timeline": [dataclasses.asdict(entry) for entry in self.timeline],
            "regions": [region.to_dict() for region in self.regions],
            "models": [dataclasses.asdict(model) for model in self.models],
            "error": self.error,
            "seconds": round(self.seconds, 6),
        }
        if include_maps:
            data["maps"] = {key: heat.to_dict() for key, heat in self.maps.items()}
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "LayerResult":
        return cls(
            name=data["name"],
            score=data["score"],
            confidence=data["confidence"],
            summary=data["summary"],
            version=data.get("version", "1"),
            details=data.get("details", {}),
            maps={key: HeatMap.from_dict(value) for key, value in data.get("maps", {}).items()},
            timeline=[TimelineEntry(**entry) for entry in data.get("timeline", [])],
            signals=data.get("signals", {}),
            regions=[Region.from_dict(item) for item in data.get("regions", [])],
            models=[ModelInfo(**model) for model in data.get("models", [])],
            error=data.get("error"),
            seconds=data.get("seconds", 0.0),
        )


@dataclass
class Contribution:
    """How one layer moved the fused verdict, in log-odds."""

    layer: str
    score: float
    confidence: float
    weight: float
    log_odds: float


@dataclass
class FusionResult:
    profile: str
    profile_reason: str
    fake_probability: float
    verdict: str
    prior_log_odds: float
    contributions: list[Contribution]
    thresholds: dict[str, float]
    explanation: str

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["fake_probability"] = round(self.fake_probability, 6)
        return _jsonable(data)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "FusionResult":
        values = dict(data)
        values["contributions"] = [Contribution(**item) for item in data["contributions"]]
        return cls(**values)


@dataclass
class EvidenceInfo:
    """Identity of the analysed file, established at intake."""

    path: str
    sha256: str | None = None
    md5: str | None = None
    size_bytes: int | None = None
    modality: str | None = None
    format: str | None = None


@dataclass
class ErrorInfo:
    code: str
    message: str


@dataclass
class AnalysisResult:
    evidence: EvidenceInfo
    layers: list[LayerResult] = field(default_factory=list)
    fusion: FusionResult | None = None
    media: dict[str, Any] = field(default_factory=dict)
    timeline: list[TimelineEntry] = field(default_factory=list)
    intervals: list[TimelineEntry] = field(default_factory=list)  # the suspicious stretches of the timeline
    models: list[ModelInfo] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    error: ErrorInfo | None = None
    app_version: str = ""
    analyzed_at: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None

    def layer(self, name: str) -> LayerResult | None:
        return next((layer for layer in self.layers if layer.name == name), None)

    def to_dict(self, include_maps: bool = True) -> dict[str, Any]:
        weights = {c.layer: c.weight for c in self.fusion.contributions} if self.fusion else {}
        layers = []
        for layer in self.layers:
            item = layer.to_dict(include_maps=include_maps)
            item["weight"] = round(weights.get(layer.name, 0.0), 6)
            layers.append(item)
        data: dict[str, Any] = {
            "schema": SCHEMA_VERSION,
            "path": self.evidence.path,
            "sha256": self.evidence.sha256,
            "md5": self.evidence.md5,
            "size_bytes": self.evidence.size_bytes,
            "modality": self.evidence.modality,
            "format": self.evidence.format,
        }
        if self.fusion is not None:
            data["fake_probability"] = round(self.fusion.fake_probability, 6)
            data["verdict"] = self.fusion.verdict
            data["fusion"] = self.fusion.to_dict()
        if self.error is not None:
            data["error"] = dataclasses.asdict(self.error)
        data.update({
            "layers": layers,
            "timeline": [dataclasses.asdict(entry) for entry in self.timeline],
            "suspicious_intervals": [dataclasses.asdict(entry) for entry in self.intervals],
            "models": [dataclasses.asdict(model) for model in self.models],
            "media": _jsonable(self.media),
            "settings": _jsonable(self.settings),
            "timings": {key: round(value, 6) for key, value in self.timings.items()},
            "warnings": list(self.warnings),
            "app_version": self.app_version,
            "analyzed_at": self.analyzed_at,
        })
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "AnalysisResult":
        evidence = EvidenceInfo(
            path=data["path"], sha256=data.get("sha256"), md5=data.get("md5"),
            size_bytes=data.get("size_bytes"), modality=data.get("modality"), format=data.get("format"),
        )
        return cls(
            evidence=evidence,
            layers=[LayerResult.from_dict(item) for item in data.get("layers", [])],
            fusion=FusionResult.from_dict(data["fusion"]) if data.get("fusion") else None,
            media=data.get("media", {}),
            timeline=[TimelineEntry(**entry) for entry in data.get("timeline", [])],
            intervals=[TimelineEntry(**entry) for entry in data.get("suspicious_intervals", [])],
            models=[ModelInfo(**model) for model in data.get("models", [])],
            settings=data.get("settings", {}),
            timings=data.get("timings", {}),
            warnings=data.get("warnings", []),
            error=ErrorInfo(**data["error"]) if data.get("error") else None,
            app_version=data.get("app_version", ""),
            analyzed_at=data.get("analyzed_at", ""),
        )


def _jsonable(value: Any) -> Any:
    """Convert numpy scalars/arrays and tuples into plain JSON types."""
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float):
        return round(value, 6) if np.isfinite(value) else None
    if isinstance(value, bytes):
        return value.hex()
    return value
