"""Locate the files that ship beside the code (``resources/``): models, samples, icons.

Looked up in order: ``FORENSIC_STUDIO_RESOURCES`` (packagers, tests), the
PyInstaller bundle, then the source checkout.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def resources_dir() -> Path:
    override = os.environ.get("FORENSIC_STUDIO_RESOURCES")
    if override:
        return Path(override)
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parents[1] / "resources"


def resource_path(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)
