"""JPEG quantisation tables: the IJG standard tables and quality estimation."""

from __future__ import annotations

import numpy as np

# ITU-T T.81 Annex K tables (natural, row-major order), the base of libjpeg's quality scaling.
STANDARD_LUMINANCE = np.array([
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
    14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
    18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99], dtype=np.float64)
STANDARD_CHROMINANCE = np.array([
    17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99,
    24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99] + [99] * 32, dtype=np.float64)


def ijg_table(base: np.ndarray, quality: int) -> np.ndarray:
    """The table libjpeg writes for ``quality`` (1..100)."""
    quality = int(np.clip(quality, 1, 100))
    scale = 5000 / quality if quality < 50 else 200 - 2 * quality
    return np.clip(np.floor((base * scale + 50) / 100), 1, 255)


def estimate_quality(tables: dict[int, list[int]]) -> float | None:
    """The IJG quality whose luminance table is closest to the file's (None without tables)."""
    if 0 not in tables or len(tables[0]) != 64:
        return None
    actual = np.asarray(tables[0], dtype=np.float64)
    errors = [np.abs(ijg_table(STANDARD_LUMINANCE, q) - actual).mean() for q in range(1, 101)]
    return float(np.argmin(errors) + 1)


def is_standard_table(tables: dict[int, list[int]]) -> bool:
    """True when the luminance table is exactly an IJG-scaled standard table (libjpeg, most software)."""
    quality = estimate_quality(tables)
    if quality is None:
        return False
    return bool(np.array_equal(ijg_table(STANDARD_LUMINANCE, int(quality)), np.asarray(tables[0], dtype=np.float64)))
