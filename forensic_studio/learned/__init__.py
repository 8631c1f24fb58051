"""Neural networks and their runtime (torch). Imported lazily: torch is slow to load."""
