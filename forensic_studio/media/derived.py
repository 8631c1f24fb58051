"""A per-file memo for analyses several detectors share (face crops, speech window features)."""

from __future__ import annotations

from typing import Any, Callable


class SharedDerivations:
    """Mixin for media classes: ``derived(key, compute)`` computes once per opened file."""

    def derived(self, key: str, compute: Callable[[], Any]) -> Any:
        memo = self.__dict__.setdefault("_derived", {})
        if key not in memo:
            memo[key] = compute()
        return memo[key]
