"""Figures for reports: heat maps and the evidence thumbnail as images, charts drawn by reportlab itself.

Charts are reportlab ``Drawing`` objects (vector, searchable text) rather than
rendered bitmaps.  The evidence thumbnail is decoded from the original file
opened read-only; face and other regions are drawn on a copy.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from ..resources import resource_path
from ..results import FusionResult, HeatMap, Region, TimelineEntry
from .fonts import REGULAR

THUMBNAIL_SIDE = 900  # px: sharp at the 8 cm a figure takes on the page
TOWARD_FAKE, TOWARD_AUTHENTIC, NEUTRAL = "#c0392b", "#2e7d32", "#9e9e9e"


def jpeg_bytes(image: Image.Image) -> io.BytesIO:
    """Figures as JPEG (q 90): a depiction for the reader (exact values are in the result JSON);
    noisy heat maps compress ten times better than with PNG."""
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=90)
    buffer.seek(0)
    return buffer


def heat_map_image(heat: HeatMap) -> Image.Image:
    """Colour a map: 'heat' and 'mask' with inferno (hot = suspicious), 'spectrum' in grey."""
    import cv2

    values = heat.values
    if heat.kind == "spectrum":
        return Image.fromarray(values, mode="L").convert("RGB")
    coloured = cv2.applyColorMap(values, cv2.COLORMAP_INFERNO)
    return Image.fromarray(cv2.cvtColor(coloured, cv2.COLOR_BGR2RGB))


def evidence_thumbnail(path: Path, regions: list[Region], max_side: int = THUMBNAIL_SIDE) -> Image.Image | None:
    """The still image with its regions boxed and numbered; None when it cannot be decoded here."""
    try:
        with Image.open(path) as image:
            original = image.size  # region boxes are in these pixels
            image.draft("RGB", (max_side, max_side))  # JPEG: decode at reduced size directly
            thumb = image.convert("RGB")
    except Exception:  # the evidence may be gone, or not a still image
        return None
    return boxed(thumb, original[0], list(enumerate(regions, start=1)), max_side)


def video_frame(path: Path, time: float, width: int, regions: list[tuple[int, Region]],
                max_side: int = THUMBNAIL_SIDE) -> Image.Image | None:
    """The frame of a video showing at ``time``, with the given (number, region) boxes; None if undecodable."""
    from ..media.video import FrameReader

    reader = FrameReader(path, max_side)
    try:
        _, rgb = reader.frame_at(time)
    except Exception:  # the evidence may be gone or damaged at that point
        return None
    finally:
        reader.close()
    return boxed(Image.fromarray(rgb), width, regions, max_side)


def boxed(picture: Image.Image, original_width: int, regions: list[tuple[int, Region]], max_side: int) -> Image.Image:
    """A picture scaled for the page, with numbered boxes (red: score >= 0.5, green: below)."""
    if max(picture.size) < max_side:  # small images are enlarged so that the box labels stay legible
        factor = max_side / max(picture.size)
        picture = picture.resize((round(picture.width * factor), round(picture.height * factor)), Image.Resampling.LANCZOS)
    else:
        picture.thumbnail((max_side, max_side))
    scale = picture.width / original_width
    draw = ImageDraw.Draw(picture)
    line = max(2, picture.width // 300)
    font = ImageFont.truetype(str(resource_path("fonts", "DejaVuSans.ttf")), size=max(12, picture.width // 45))
    for number, region in regions:
        x, y, w, h = (v * scale for v in region.box)
        colour = TOWARD_FAKE if region.score >= 0.5 else TOWARD_AUTHENTIC
        draw.rectangle([x, y, x + w, y + h], outline=colour, width=line)
        label = f"{number}: {region.score:.2f}"
        left, top, right, bottom = draw.textbbox((x, y), label, font=font)
        label_y = max(0, y - (bottom - top) - 6)
        draw.rectangle([x, label_y, x + (right - left) + 6, label_y + (bottom - top) + 6], fill=colour)
        draw.text((x + 3, label_y + 3 - (top - y)), label, fill="white", font=font)
    return picture


def fusion_chart(fusion: FusionResult, width: float, bar_height: float = 13):
    """Horizontal bars: each layer's signed contribution in log-odds (right = towards fake)."""
    from reportlab.graphics.charts.barcharts import HorizontalBarChart
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors

    contributions = [c for c in fusion.contributions if abs(c.log_odds) > 1e-6] or fusion.contributions
    contributions = sorted(contributions, key=lambda c: abs(c.log_odds))
    labels = [c.layer for c in contributions]
    values = [c.log_odds for c in contributions]
    span = max(0.5, max((abs(v) for v in values), default=0.5)) * 1.1
    height = bar_height * len(values) + 40
    drawing = Drawing(width, height)
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 80, 25, width - 110, bar_height * len(values)
    chart.data = [values]
    chart.categoryAxis.visibleLabels = False  # drawn below at the left edge, not at the zero line
    chart.valueAxis.valueMin, chart.valueAxis.valueMax = -span, span
    chart.valueAxis.labels.fontName = REGULAR
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labelTextFormat = "%+.1f"
    chart.bars.strokeColor = None
    chart.barSpacing = 1
    for index, value in enumerate(values):
        chart.bars[(0, index)].fillColor = colors.HexColor(TOWARD_FAKE if value > 0 else TOWARD_AUTHENTIC)
    drawing.add(chart)
    step = chart.height / max(1, len(values))
    for index, (label, value) in enumerate(zip(labels, values)):
        y = chart.y + (index + 0.5) * step - 2.5
        drawing.add(String(chart.x - 4, y, label, fontName=REGULAR, fontSize=7, textAnchor="end"))
        drawing.add(String(chart.x + chart.width + 2, y, f"{value:+.2f}", fontName=REGULAR, fontSize=6.5))
    drawing.add(String(chart.x + chart.width / 2, 5, "log-odds contribution  (← authentic | fake →)",
                       fontName=REGULAR, fontSize=7, textAnchor="middle"))
    return drawing


def timeline_chart(entries: list[TimelineEntry], width: float, threshold: float, height: float = 120):
    """Score over time with the intervals above ``threshold`` shaded."""
    from reportlab.graphics.charts.lineplots import LinePlot
    from reportlab.graphics.shapes import Drawing, Rect, String
    from reportlab.lib import colors

    drawing = Drawing(width, height)
    plot = LinePlot()
    plot.x, plot.y, plot.width, plot.height = 35, 25, width - 50, height - 40
    end = max(e.end for e in entries)
    points = [((e.start + e.end) / 2, float(e.score)) for e in entries]
    plot.data = [points]
    plot.xValueAxis.valueMin, plot.xValueAxis.valueMax = 0, end
    plot.yValueAxis.valueMin, plot.yValueAxis.valueMax, plot.yValueAxis.valueStep = 0, 1, 0.25
    for axis in (plot.xValueAxis, plot.yValueAxis):
        axis.labels.fontName, axis.labels.fontSize = REGULAR, 7
    plot.xValueAxis.labelTextFormat = "%.0f s"
    plot.lines[0].strokeColor = colors.HexColor("#1f4e79")
    plot.lines[0].strokeWidth = 1.2
    scale = plot.width / end if end > 0 else 0
    for entry in entries:
        if entry.score >= threshold:
            drawing.add(Rect(plot.x + entry.start * scale, plot.y, (entry.end - entry.start) * scale, plot.height,
                             fillColor=colors.HexColor("#f5b7b1"), strokeColor=None))
    drawing.add(plot)
    drawing.add(String(plot.x + plot.width / 2, 3, "time (s); shaded: intervals scored at or above the fake threshold",
                       fontName=REGULAR, fontSize=7, textAnchor="middle"))
    return drawing
