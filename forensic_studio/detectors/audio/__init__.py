"""Audio detectors.  Importing this package registers each of them (order = report order)."""

from . import learned, model_packs, spectral, phase, splice  # noqa: F401
