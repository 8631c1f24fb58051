"""Embedded fonts for reports, with a CJK fallback for text DejaVu cannot draw.

DejaVu Sans covers Latin, Greek and Cyrillic; Droid Sans Fallback covers Chinese,
Japanese and Korean.  reportlab embeds only the glyphs used (subsetting), so a
report stays small.  ``markup`` escapes text for a Paragraph and wraps each run
of characters DejaVu lacks in the fallback font, so mixed metadata like
"Canon 日本語" prints whole instead of as empty boxes.
"""

from __future__ import annotations

from functools import lru_cache
from xml.sax.saxutils import escape

from ..resources import resource_path

REGULAR, BOLD, MONO, FALLBACK = "FS-Sans", "FS-Sans-Bold", "FS-Mono", "FS-Fallback"
_FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf", MONO: "DejaVuSansMono.ttf",
          FALLBACK: "DroidSansFallbackFull.ttf"}


@lru_cache(maxsize=1)
def register_fonts() -> frozenset[int]:
    """Register the report fonts once; return the code points the regular font covers."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    for name, filename in _FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(resource_path("fonts", filename))))
    addMapping(REGULAR, 0, 0, REGULAR)
    addMapping(REGULAR, 1, 0, BOLD)
    addMapping(REGULAR, 0, 1, REGULAR)
    addMapping(REGULAR, 1, 1, BOLD)
    return frozenset(pdfmetrics.getFont(REGULAR).face.charToGlyph)


@lru_cache(maxsize=1)
def _fallback_coverage() -> frozenset[int]:
    from reportlab.pdfbase import pdfmetrics

    register_fonts()
    return frozenset(pdfmetrics.getFont(FALLBACK).face.charToGlyph)


def markup(text: object, limit: int | None = None) -> str:
    """Paragraph markup for arbitrary text: escaped, truncated to ``limit`` characters, fallback runs wrapped."""
    value = "" if text is None else str(text)
    if limit is not None and len(value) > limit:
        value = value[: limit - 1] + "…"
    covered = register_fonts()
    parts, run, run_is_fallback = [], [], False
    for char in value:
        needs_fallback = ord(char) not in covered and ord(char) in _fallback_coverage()
        if not char.isprintable() and char not in "\n\t":
            char = "\ufffd" if ord(char) in covered else "?"
        if needs_fallback != run_is_fallback and run:
            parts.append(_wrap("".join(run), run_is_fallback))
            run = []
        run_is_fallback = needs_fallback
        run.append(char)
    if run:
        parts.append(_wrap("".join(run), run_is_fallback))
    return "".join(parts).replace("\n", "<br/>")


def has_wide_script(text: str) -> bool:
    """True when the text needs CJK line breaking (no spaces between words)."""
    return any(ord(c) not in register_fonts() and ord(c) in _fallback_coverage() for c in text)


def _wrap(text: str, fallback: bool) -> str:
    escaped = escape(text)
    return f'<font face="{FALLBACK}">{escaped}</font>' if fallback else escaped
