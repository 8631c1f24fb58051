"""Face crops shared by every learned image detector, computed once per image."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from ...learned.faces import MTCNN, ORIGINAL, Face, crop, shared_detector
from ...results import ModelInfo

log = logging.getLogger(__name__)


@dataclass
class FaceCrops:
    faces: list[Face]
    images: list[np.ndarray]  # one crop per face, or the whole image when there is none
    detector_packs: list[ModelInfo] = field(default_factory=list)  # face-detector packs that were asked


def face_crops(media) -> FaceCrops:
    return media.derived("face_crops", lambda: _detect_and_crop(media.rgb, media.notes))


def _detect_and_crop(rgb: np.ndarray, notes: list[str]) -> FaceCrops:
    second = installed_face_detector(notes)
    faces = shared_detector().detect_with_retries(rgb, second=second)
    # The pack is asked exactly when MTCNN found nothing on the original.
    found_first = bool(faces) and faces[0].detector == MTCNN and faces[0].found_on == ORIGINAL
    asked = [second.info] if second is not None and not found_first else []
    if faces:
        return FaceCrops(faces, [crop(rgb, f.crop_box) for f in faces], asked)
    return FaceCrops([], [rgb], asked)


def installed_face_detector(notes: list[str] | None = None):
    """The installed RetinaFace pack, loaded once per process, or None (with the reason added to ``notes``
    when it is installed but cannot be used)."""
    from ...packs.kinds import loaded_pack
    from ...packs.store import ModelStore

    packs = [p for p in ModelStore().packs("face-detector") if p.kind == "retinaface-onnx"]
    if not packs:
        return None
    try:
        return loaded_pack(packs[0], "cpu")
    except Exception as exc:  # a broken pack must not stop the analysis; MTCNN carries on alone
        log.warning("face detector pack %s did not load: %s", packs[0].id, exc)
        if notes is not None:
            notes.append(f"face detector pack {packs[0].id} not used ({exc}); faces were sought with MTCNN only")
        return None
