"""What every viewer is: a widget made from one result, shown when the result holds what it draws."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget


class Viewer(QWidget):
    """Subclasses set ``title``, implement ``applies(result)`` and build themselves from the result.

    ``layers`` names the layers the view shows: a bookmark made while it is open refers to them.
    """

    title = ""
    layers: tuple[str, ...] = ()

    def __init__(self, result, parent: QWidget | None = None):
        super().__init__(parent)
        self.result = result

    @classmethod
    def applies(cls, result) -> bool:
        raise NotImplementedError

    def shutdown(self) -> None:
        """Stop background work (decoders, playback) before the widget goes away."""


def layers_with(result, predicate) -> list:
    return [layer for layer in result.layers if layer.error is None and predicate(layer)]
