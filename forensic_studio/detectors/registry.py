"""The detector registry: one small object per detector, registered once.

A detector is a class with ``name``, ``modality``, ``version``, ``modes`` (the
analysis modes it runs in), ``description`` (one line for the report's methods
section), ``limitations`` and ``analyze(media, ctx) -> LayerResult``.  Adding a
detector is adding one module with one ``@register``; the pipeline asks the
registry which detectors apply, so there is no dispatch ladder anywhere.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

from ..context import AnalysisContext
from ..results import LayerResult


class Detector(Protocol):
    name: str
    modality: str
    version: str
    modes: frozenset[str]
    description: str
    limitations: str

    def analyze(self, media, ctx: AnalysisContext) -> LayerResult: ...


_REGISTRY: dict[str, type] = {}

DetectorClass = TypeVar("DetectorClass", bound=type)


def register(cls: DetectorClass) -> DetectorClass:
    """Class decorator: make a detector known to the pipeline."""
    for attribute in ("name", "modality", "version", "modes", "description", "limitations"):
        if not hasattr(cls, attribute):
            raise TypeError(f"detector {cls.__name__} lacks {attribute!r}")
    if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
        raise ValueError(f"two detectors are named {cls.name!r}")
    _REGISTRY[cls.name] = cls
    return cls


def _load_builtin_detectors() -> None:
    # Importing the package registers every built-in detector module.
    from . import audio, image, video  # noqa: F401


def detectors_for(modality: str, mode: str) -> list[Detector]:
    """Fresh instances of the detectors that run on ``modality`` in ``mode``, in registration order."""
    _load_builtin_detectors()
    return [cls() for cls in _REGISTRY.values() if cls.modality == modality and mode in cls.modes]


def all_detectors() -> list[type]:
    _load_builtin_detectors()
    return list(_REGISTRY.values())
