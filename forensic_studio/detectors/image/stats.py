"""Small numeric helpers shared by the signal layers."""

from __future__ import annotations

import numpy as np


# Block statistics (robust z-scores, the largest outlying area) rest on the number of blocks: below
# this analysed area one or two blocks that stand out by chance already make a "largest area" of a
# few per cent. On the 256-px real faces of faces140k validation, ELA scored above 0.9 on 11 % and the
# noise layer on 30 %, against 2 % and 22 % of the StyleGAN fakes.
FULL_EVIDENCE_SIDE = 512


def area_confidence(shape: tuple[int, ...], full: float = 0.5) -> float:
    """A block-statistics layer's confidence: ``full`` from FULL_EVIDENCE_SIDE² pixels, in proportion below."""
    return full * min(1.0, shape[0] * shape[1] / FULL_EVIDENCE_SIDE**2)


def block_view(array: np.ndarray, block: int) -> np.ndarray:
    """Crop ``array`` (H, W) to whole blocks and view it as (H/b, W/b, b, b)."""
    height, width = (array.shape[0] // block) * block, (array.shape[1] // block) * block
    cropped = array[:height, :width]
    return cropped.reshape(height // block, block, width // block, block).swapaxes(1, 2)


def block_mean(array: np.ndarray, block: int) -> np.ndarray:
    """Mean of each whole ``block`` x ``block`` tile (area resampling is an exact block average)."""
    import cv2

    rows, cols = array.shape[0] // block, array.shape[1] // block
    if rows == 0 or cols == 0:
        return np.zeros((rows, cols), dtype=np.float32)
    tiles = np.ascontiguousarray(array[:rows * block, :cols * block], dtype=np.float32)
    return cv2.resize(tiles, (cols, rows), interpolation=cv2.INTER_AREA)


def block_std(array: np.ndarray, block: int) -> np.ndarray:
    """Standard deviation of each whole tile, from E[x^2] - E[x]^2."""
    mean = block_mean(array, block)
    square = block_mean(np.square(array, dtype=np.float32), block)
    return np.sqrt(np.maximum(square - mean * mean, 0.0))


def logistic(value: float, center: float, scale: float) -> float:
    """Map a statistic to (0, 1): 0.5 at ``center``, steeper for smaller ``scale``."""
    return float(1.0 / (1.0 + np.exp(-(value - center) / scale)))


def robust_z(values: np.ndarray, min_scale: float = 1e-9) -> np.ndarray:
    """(x - median) / (1.4826 * MAD): a z-score that a few outliers cannot inflate.

    ``min_scale`` stops a near-constant background (MAD ~ 0) from turning
    negligible differences into huge z-scores.
    """
    median = np.median(values)
    mad = np.median(np.abs(values - median)) * 1.4826
    return (values - median) / max(mad, min_scale)


def largest_blob_fraction(mask: np.ndarray) -> float:
    """Share of the map covered by the largest 8-connected component of ``mask``."""
    import cv2

    if not mask.any():
        return 0.0
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if count <= 1:
        return 0.0
    return float(stats[1:, cv2.CC_STAT_AREA].max()) / mask.size


def evidence_score(strength: float, floor: float = 0.45) -> float:
    """Score for a layer that can find manipulation but cannot prove authenticity.

    Finding nothing leaves the score near ``floor`` (a slight lean to authentic,
    not a vote for it); full-strength evidence approaches 0.98.
    """
    return float(floor + (0.98 - floor) * strength)
