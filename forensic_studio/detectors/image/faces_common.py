"""Face crops shared by every learned image detector, computed once per image."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...learned.faces import Face, crop, shared_detector


@dataclass
class FaceCrops:
    faces: list[Face]
    images: list[np.ndarray]  # one crop per face, or the whole image when there is none


def face_crops(media) -> FaceCrops:
    return media.derived("face_crops", lambda: _detect_and_crop(media.rgb))


def _detect_and_crop(rgb: np.ndarray) -> FaceCrops:
    faces = shared_detector().detect_with_retries(rgb)
    if faces:
        return FaceCrops(faces, [crop(rgb, f.crop_box) for f in faces])
    return FaceCrops([], [rgb])
