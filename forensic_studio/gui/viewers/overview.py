"""The verdict, what it rests on, and the file's identity."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from ..qt_images import VERDICT_COLOURS
from .base import Viewer


class OverviewViewer(Viewer):
    title = "Overview"

    @classmethod
    def applies(cls, result) -> bool:
        return True

    def __init__(self, result, parent=None):
        super().__init__(result, parent)
        text = QLabel(self._html(result))
        text.setWordWrap(True)
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        text.setObjectName("overview-text")
        area = QScrollArea()
        area.setWidgetResizable(True)
        holder = QWidget()
        column = QVBoxLayout(holder)
        column.addWidget(text)
        area.setWidget(holder)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(area)
        self.text = text

    @staticmethod
    def _html(result) -> str:
        e = html.escape
        info = result.evidence
        parts = []
        if result.error is not None:
            parts.append(f"<h2 style='color:{VERDICT_COLOURS[None]}'>Not analysed</h2>"
                         f"<p><b>{e(result.error.code)}</b>: {e(result.error.message)}</p>")
        elif result.fusion is not None:
            fusion = result.fusion
            colour = VERDICT_COLOURS.get(fusion.verdict)
            parts.append(f"<h2 style='color:{colour}'>{e(fusion.verdict.upper())} &nbsp; "
                         f"<span style='font-weight:normal'>fake probability {fusion.fake_probability:.2f}</span></h2>")
            parts.append(f"<p>Profile <b>{e(fusion.profile)}</b>: {e(fusion.profile_reason)}.</p>")
            parts.append(f"<p>{e(fusion.explanation)}</p>")
            if result.intervals:
                rows = "".join(f"<li>{i.start:.1f}–{i.end:.1f} s: {i.score:.2f} ({e(', '.join(i.labels) or '—')})</li>"
                               for i in result.intervals[:20])
                parts.append(f"<p><b>Suspicious intervals</b></p><ul>{rows}</ul>")
        identity = [("File", info.path), ("Kind", f"{info.modality or '?'} ({info.format or '?'})"),
                    ("Size", f"{info.size_bytes:,} bytes" if info.size_bytes else "?"),
                    ("SHA-256", info.sha256 or "—"), ("MD5", info.md5 or "—"), ("Analysed", result.analyzed_at),
                    ("Software", f"Forensic Studio {result.app_version}"),
                    ("Settings", ", ".join(f"{k}={v}" for k, v in result.settings.items() if k in ("mode", "device")))]
        rows = "".join(f"<tr><td><b>{e(k)}</b></td><td style='font-family:monospace'>{e(str(v))}</td></tr>"
                       for k, v in identity)
        parts.append(f"<table cellspacing='4'>{rows}</table>")
        if result.warnings:
            parts.append("<p><b>Warnings</b></p><ul>" + "".join(f"<li>{e(w)}</li>" for w in result.warnings) + "</ul>")
        if result.models:
            parts.append("<p><b>Models</b></p><ul>" + "".join(
                f"<li>{e(m.id)} {e(m.version)} <span style='font-family:monospace'>{e(m.sha256[:16])}…</span></li>"
                for m in result.models) + "</ul>")
        if result.timings.get("total"):
            parts.append(f"<p>Analysis took {result.timings['total']:.2f} s.</p>")
        return "".join(parts)
