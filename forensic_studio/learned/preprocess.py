"""Turn RGB crops into the tensors the image networks take."""

from __future__ import annotations

import cv2
import numpy as np
import torch


def resize_rgb(rgb: np.ndarray, size: int) -> np.ndarray:
    """Square resize; area averaging when shrinking so no aliasing is invented."""
    h, w = rgb.shape[:2]
    interpolation = cv2.INTER_AREA if max(h, w) > size else cv2.INTER_CUBIC
    return cv2.resize(rgb, (size, size), interpolation=interpolation)


def batch_tensor(crops: list[np.ndarray], size: int) -> torch.Tensor:
    """uint8 HxWx3 RGB crops -> float (N, 3, size, size) in [0, 1]."""
    stacked = np.stack([resize_rgb(c, size) if c.shape[:2] != (size, size) else c for c in crops])
    return torch.from_numpy(stacked).permute(0, 3, 1, 2).float().div_(255.0)
