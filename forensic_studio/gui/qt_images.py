"""numpy arrays to Qt images: pictures, heat maps with a colour map, verdict colours."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor, QImage

VERDICT_COLOURS = {"fake": "#c62828", "inconclusive": "#ef8f00", "authentic": "#2e7d32", None: "#757575"}


def rgb_image(rgb: np.ndarray) -> QImage:
    """A QImage that owns a copy of an (H, W, 3) uint8 array."""
    data = np.ascontiguousarray(rgb, dtype=np.uint8)
    height, width = data.shape[:2]
    return QImage(data.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()


def heat_image(values: np.ndarray, colour_map: str = "inferno", transparent_below: int = 0) -> QImage:
    """An 8-bit map coloured through a pyqtgraph colour map (RGBA; values at or below ``transparent_below`` clear)."""
    import pyqtgraph as pg

    table = pg.colormap.get(colour_map).getLookupTable(0.0, 1.0, 256, alpha=False).astype(np.uint8)
    rgba = np.empty(values.shape + (4,), np.uint8)
    rgba[..., :3] = table[values]
    rgba[..., 3] = np.where(values <= transparent_below, 0, 255)
    height, width = values.shape
    return QImage(np.ascontiguousarray(rgba).data, width, height, 4 * width, QImage.Format.Format_RGBA8888).copy()


def verdict_colour(verdict: str | None) -> QColor:
    return QColor(VERDICT_COLOURS.get(verdict, VERDICT_COLOURS[None]))
