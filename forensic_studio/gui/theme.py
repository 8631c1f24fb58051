"""Light and dark themes: the Fusion style with a palette, and pyqtgraph's colours to match."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

THEMES = ("light", "dark")


def apply_theme(app: QApplication, name: str) -> None:
    import pyqtgraph as pg

    app.setStyle("Fusion")
    if name == "dark":
        palette = QPalette()
        colours = {
            QPalette.ColorRole.Window: "#1f2124", QPalette.ColorRole.WindowText: "#e6e6e6",
            QPalette.ColorRole.Base: "#16181a", QPalette.ColorRole.AlternateBase: "#24272b",
            QPalette.ColorRole.ToolTipBase: "#2b2e33", QPalette.ColorRole.ToolTipText: "#e6e6e6",
            QPalette.ColorRole.Text: "#e6e6e6", QPalette.ColorRole.Button: "#2b2e33",
            QPalette.ColorRole.ButtonText: "#e6e6e6", QPalette.ColorRole.Highlight: "#3d7bd9",
            QPalette.ColorRole.HighlightedText: "#ffffff", QPalette.ColorRole.Link: "#6ea8ff",
            QPalette.ColorRole.PlaceholderText: "#8a8f96",
        }
        for role, colour in colours.items():
            palette.setColor(role, QColor(colour))
        palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor("#6b7078"))
        palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor("#6b7078"))
        pg.setConfigOptions(background="#16181a", foreground="#d0d0d0")
    else:
        palette = app.style().standardPalette()
        pg.setConfigOptions(background="w", foreground="#303030")
    pg.setConfigOptions(antialias=True, imageAxisOrder="row-major")
    app.setPalette(palette)
