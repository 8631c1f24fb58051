"""Image detectors.  Importing this package registers each of them (order = report order)."""

from . import provenance, ela, jpeg_structure, spectrum, noise, texture, colour, copy_move  # noqa: F401
