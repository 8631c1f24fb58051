"""Shared fixtures: generated media written to a temporary folder, and helpers to analyse it."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from forensic_studio.context import AnalysisContext, Settings  # noqa: E402
from forensic_studio.pipeline import analyze_file  # noqa: E402
from forensic_studio.synthetic_media import camera_exif, jpeg_bytes, photo_like  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path, monkeypatch):
    """Model store and settings under tmp: tests never see (or touch) the user's packs."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))


def analyze(path, mode: str = "full"):
    return analyze_file(path, AnalysisContext(settings=Settings(mode=mode)))


@pytest.fixture
def write(tmp_path):
    """write(name, data) -> Path; data is bytes or an RGB array (saved by extension)."""

    def _write(name: str, data, **save_options) -> Path:
        path = tmp_path / name
        if isinstance(data, (bytes, bytearray)):
            path.write_bytes(data)
        else:
            Image.fromarray(np.asarray(data)).save(path, **save_options)
        return path

    return _write


@pytest.fixture(scope="session")
def photo():
    return photo_like(480, 640, seed=3)


@pytest.fixture
def camera_jpeg(write, photo):
    return write("camera.jpg", jpeg_bytes(photo, 92, camera_exif(size=(640, 480))))


def png_with_text(rgb: np.ndarray, chunks: dict[str, str]) -> bytes:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    for key, value in chunks.items():
        info.add_text(key, value)
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="PNG", pnginfo=info)
    return buffer.getvalue()
