"""Training code for the project's own detectors (needs the ``train`` extra)."""
