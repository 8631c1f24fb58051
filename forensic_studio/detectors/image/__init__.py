"""Image detectors.  Importing this package registers each of them (order = report order)."""

from . import provenance, learned, model_packs, ela, jpeg_structure, spectrum, noise, texture, colour, copy_move  # noqa: F401
