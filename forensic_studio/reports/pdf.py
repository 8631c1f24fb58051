"""Lay out a ``ReportInput`` as a PDF with reportlab (A4 or Letter).

Sections: summary, evidence and custody, environment, methods, results (figures,
scores, metadata), bookmarks, interpretation, limitations, reproducibility,
signature.  Scores and interpretation are kept in separate sections on purpose:
a reader can check the measurements without adopting our reading of them.
"""

from __future__ import annotations

import io
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as pdf_canvas
from reportlab.platypus import (CondPageBreak, Image, KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer,
                                Table, TableStyle)

from ..detectors.registry import all_detectors
from ..results import AnalysisResult
from . import figures
from .content import ReportEvidence, ReportInput, key_frames, metadata_tables
from .fonts import BOLD, MONO, REGULAR, has_wide_script, markup, register_fonts

PAPER = {"a4": A4, "letter": LETTER}
MARGIN = 16 * mm
METADATA_VALUE_LIMIT = 300  # characters per metadata value; the full value is in the JSON manifest
FIGURE_COLUMNS = 3
BOOKMARK_STATUS_LABEL = {"ok": "Ok", "to_check": "To check", "warning": "Warning"}

GENERAL_LIMITATIONS = (
    "Scores are probabilities estimated by detectors that were validated on specific datasets; media unlike that "
    "data (other generators, other cameras, heavy re-compression, screenshots) can be scored wrongly in either "
    "direction. A verdict of 'authentic' means no tested layer found evidence of synthesis or manipulation, not "
    "that the media is proven genuine. 'Inconclusive' is a result, not a failure. Provenance metadata can be "
    "removed or forged; its absence proves nothing by itself. Findings should be weighed with the context of "
    "the case and, where the stakes require it, confirmed by an independent examination."
)


class _Styles:
    def __init__(self):
        register_fonts()
        base = ParagraphStyle("body", fontName=REGULAR, fontSize=8.6, leading=11.2, alignment=TA_LEFT,
                              splitLongWords=True)
        self.body = base
        self.small = ParagraphStyle("small", parent=base, fontSize=7.4, leading=9.2)
        self.cell = ParagraphStyle("cell", parent=base, fontSize=7.4, leading=9)
        self.cell_cjk = ParagraphStyle("cell_cjk", parent=self.cell, wordWrap="CJK")
        self.mono = ParagraphStyle("mono", parent=self.cell, fontName=MONO, fontSize=6.6, leading=8.2)
        self.head = ParagraphStyle("head", parent=self.cell, fontName=BOLD)
        self.title = ParagraphStyle("title", parent=base, fontName=BOLD, fontSize=17, leading=21, spaceAfter=4)
        self.h1 = ParagraphStyle("h1", parent=base, fontName=BOLD, fontSize=12.5, leading=16, spaceBefore=10,
                                 spaceAfter=5, textColor=colors.HexColor("#1f3b57"))
        self.h2 = ParagraphStyle("h2", parent=base, fontName=BOLD, fontSize=10, leading=13, spaceBefore=7, spaceAfter=3)
        self.caption = ParagraphStyle("caption", parent=self.small, textColor=colors.HexColor("#444444"))


def render_pdf(report: ReportInput, paper: str = "a4", signed_by: str | None = None) -> bytes:
    """The report as PDF bytes; ``signed_by`` names the signer in the signature section (None: unsigned)."""
    if paper not in PAPER:
        raise ValueError(f"unknown paper size {paper!r}: use a4 or letter")
    styles = _Styles()
    buffer = io.BytesIO()
    reference = report.case.get("reference") or report.case.get("case_id", "")[:8] or "no case"
    doc = SimpleDocTemplate(buffer, pagesize=PAPER[paper], leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                            bottomMargin=MARGIN + 4 * mm, title=f"Forensic report: {report.title}",
                            author=report.analyst, subject=f"Case {reference}", creator="Forensic Studio",
                            pageCompression=1)
    layout = _Layout(report, styles, doc.width, signed_by)
    footer = f"Forensic Studio report · {report.title} · {reference} · generated {report.generated_at[:19]}Z"
    doc.build(layout.story(), canvasmaker=_numbered_canvas(footer))
    return buffer.getvalue()


def _numbered_canvas(footer: str):
    """A canvas that defers page output until the total is known, to print 'page x of y'."""
    footer_style = ParagraphStyle("footer", fontName=REGULAR, fontSize=7, leading=8.5,
                                  textColor=colors.HexColor("#555555"))

    class NumberedCanvas(pdf_canvas.Canvas):
        def __init__(self, *args, **kwargs):
            kwargs.setdefault("initialFontName", REGULAR)  # no unembedded Helvetica in the file
            super().__init__(*args, **kwargs)
            self._saved_pages = []

        def showPage(self):
            self._saved_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._saved_pages)
            for state in self._saved_pages:
                self.__dict__.update(state)
                self._draw_footer(total)
                super().showPage()
            super().save()

        def _draw_footer(self, total: int):
            width, _ = self._pagesize
            self.setFont(REGULAR, 7)
            self.setFillColor(colors.HexColor("#555555"))
            text = Paragraph(markup(footer, limit=140), footer_style)  # a Paragraph, for the CJK fallback
            text.wrapOn(self, width - 2 * MARGIN - 25 * mm, 10 * mm)
            text.drawOn(self, MARGIN, 8 * mm)
            self.drawRightString(width - MARGIN, 9 * mm, f"page {self._pageNumber} of {total}")
            self.setStrokeColor(colors.HexColor("#bbbbbb"))
            self.line(MARGIN, 12 * mm, width - MARGIN, 12 * mm)

    return NumberedCanvas


class _Layout:
    def __init__(self, report: ReportInput, styles: _Styles, width: float, signed_by: str | None):
        self.report, self.s, self.width, self.signed_by = report, styles, width, signed_by
        self.detectors = {cls.name: cls for cls in all_detectors()}

    def story(self) -> list:
        parts = [self._summary(), self._custody(), self._environment(), self._methods(), self._results(),
                 self._bookmarks(), self._interpretation(), self._limitations(), self._reproducibility(),
                 self._signature()]
        return [flowable for part in parts for flowable in part]

    # -- building blocks -------------------------------------------------------------------------------------
    def p(self, text: object, style=None, limit: int | None = None) -> Paragraph:
        style = style or self.s.body
        value = "" if text is None else str(text)
        if style is self.s.cell and has_wide_script(value):
            style = self.s.cell_cjk
        return Paragraph(markup(value, limit), style)

    def table(self, rows: list[list], widths: list[float], header: bool = True, mono_columns: tuple[int, ...] = ()) -> Table:
        """Cells become wrapping paragraphs; fractions in ``widths`` are of the text width."""
        cells = []
        for r, row in enumerate(rows):
            line = []
            for c, value in enumerate(row):
                if hasattr(value, "wrap"):  # already a flowable
                    line.append(value)
                elif header and r == 0:
                    line.append(self.p(value, self.s.head))
                else:
                    line.append(self.p(value, self.s.mono if c in mono_columns else self.s.cell, METADATA_VALUE_LIMIT))
            cells.append(line)
        table = Table(cells, colWidths=[w * self.width for w in widths], repeatRows=1 if header else 0)
        style = [("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#b0b0b0")),
                 ("VALIGN", (0, 0), (-1, -1), "TOP"),
                 ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                 ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]
        if header:
            style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6ecf2")))
        table.setStyle(TableStyle(style))
        return table

    def key_values(self, pairs: list[tuple[str, object]], key_width: float = 0.28) -> Table:
        return self.table([[k, v] for k, v in pairs], [key_width, 1 - key_width], header=False)

    # -- sections --------------------------------------------------------------------------------------------
    def _summary(self) -> list:
        r, case = self.report, self.report.case
        out = [Paragraph(markup(f"Forensic media analysis report: {r.title}"), self.s.title)]
        pairs = [("Case", f"{case.get('title', '')} (reference {case.get('reference') or '—'}, id {case.get('case_id', '')})"
                  if case else "No case: quick analysis of individual files"),
                 ("Examiner of record", case.get("examiner") or r.analyst if case else r.analyst),
                 ("Report prepared by", r.analyst),
                 ("Generated (UTC)", r.generated_at),
                 ("Evidence items", str(len(r.evidence)))]
        if case.get("description"):
            pairs.append(("Case description", case["description"]))
        out.append(self.key_values(pairs))
        out.append(Spacer(1, 6))
        rows = [["#", "File", "Verdict", "Fake probability", "Hash at report time"]]
        for item in r.evidence:
            fusion = item.result.fusion if item.result else None
            rows.append([str(item.number), item.name, _verdict_text(item), f"{fusion.fake_probability:.2f}" if fusion else "—",
                         item.status_at_report])
        out.append(self.table(rows, [0.05, 0.45, 0.18, 0.14, 0.18]))
        out.append(self.p("Verdicts come from the fused score of all layers (see Results); what they mean and do not "
                          "mean is set out under Interpretation and Limitations.", self.s.caption))
        return out

    def _custody(self) -> list:
        r = self.report
        out = [Paragraph("1. Evidence and chain of custody", self.s.h1)]
        rows = [["#", "File and original location", "Size (bytes)", "SHA-256 / MD5 at intake", "Acquired (UTC) / by",
                 "At report time"]]
        for item in r.evidence:
            rows.append([str(item.number), f"{item.name}\n{item.path}",
                         f"{item.size_bytes:,}" if item.size_bytes is not None else "—",
                         f"{item.sha256 or '—'}\nMD5 {item.md5 or '—'}", f"{item.acquired_at}\n{item.added_by}",
                         item.status_at_report])
        out.append(self.table(rows, [0.04, 0.27, 0.1, 0.3, 0.17, 0.12], mono_columns=(3,)))
        out.append(self.p("Hashes were recomputed from the files when this report was generated: 'verified' means "
                          "the file is bit-identical to the one taken in; 'MISMATCH' means it changed; 'missing' "
                          "means it was not found at its recorded location. Evidence files are opened read-only "
                          "and never modified.", self.s.caption))
        if r.audit is not None:
            state = ("intact" if not r.audit["problems"] else "NOT INTACT: " + "; ".join(r.audit["problems"]))
            out.append(Spacer(1, 4))
            out.append(self.key_values([("Audit log", f"{r.audit['entries']} entries, hash chain {state}"),
                                        ("Audit head (SHA-256)", self.p(r.audit["head"], self.s.mono))]))
            out.append(self.p("The case's audit log chains every entry to the previous one by SHA-256; the head hash "
                              "above fixes the log's state at report time ('forensic-studio case verify' re-checks it).",
                              self.s.caption))
        return out

    def _environment(self) -> list:
        devices = {str(res.settings.get("device")) for res in self.report.results() if res.settings.get("device")}
        env = self.report.environment or {}
        if not env:
            from .environment import describe_environment

            env = describe_environment(devices)
        return [Paragraph("2. Environment", self.s.h1), self.key_values(list(env.items()))]

    def _methods(self) -> list:
        out = [Paragraph("3. Methods", self.s.h1)]
        out.append(self.p("Each file was identified by content and hashed, then analysed by independent layers. Each "
                          "layer gives a score (probability-like, 1 = synthetic or manipulated) and its own "
                          "confidence; fusion adds weight × confidence × logit(score) over the layers, on top of a "
                          "prior chosen by the evidence profile, and maps the result to a verdict by fixed thresholds."))
        used = _layers_used(self.report.results())
        rows = [["Layer", "Version", "Method and parameters"]]
        for name, version in used:
            detector = self.detectors.get(name)
            rows.append([name, version, detector.description if detector else "(no longer registered)"])
        out.append(self.table(rows, [0.14, 0.08, 0.78]))
        thresholds = next((r.fusion.thresholds for r in self.report.results() if r.fusion), None)
        if thresholds:
            out.append(self.p(f"Verdict thresholds: fake when the fused probability is at least "
                              f"{thresholds['fake_above']:.2f}; authentic when at most {thresholds['authentic_below']:.2f}; "
                              "inconclusive in between.", self.s.small))
        models = {m.id: m for res in self.report.results() for m in res.models}
        if models:
            out.append(Paragraph("Learned models", self.s.h2))
            rows = [["Model", "Version", "Weights SHA-256"]] + [[m.id, m.version, m.sha256] for m in models.values()]
            out.append(self.table(rows, [0.3, 0.1, 0.6], mono_columns=(2,)))
            out.append(self.p("Weights are re-hashed each time they are loaded; a model whose weights do not match its "
                              "recorded hash is refused.", self.s.caption))
        return out

    def _results(self) -> list:
        out = [PageBreak(), Paragraph("4. Results", self.s.h1)]
        for item in self.report.evidence:
            out += self._evidence_results(item)
        return out

    def _evidence_results(self, item: ReportEvidence) -> list:
        out = [CondPageBreak(60 * mm), Paragraph(markup(f"4.{item.number} {item.name}"), self.s.h2)]
        result = item.result
        if result is None:
            return out + [self.p("Not analysed.")]
        if result.error is not None:
            return out + [self.p(f"Could not be analysed: {result.error.message} ({result.error.code}).")]
        fusion = result.fusion
        out.append(self.key_values([
            ("Fused verdict", f"{_verdict_text(item)} (fake probability {fusion.fake_probability:.3f})"),
            ("Evidence profile", f"{fusion.profile}: {fusion.profile_reason}"),
            ("Media", ", ".join(f"{k} {v}" for k, v in result.media.items()  # scalars only: lists are shown elsewhere
                                if v not in (None, {}, []) and not isinstance(v, (list, dict)))),
            ("Analysed (UTC)", f"{result.analyzed_at}, mode {result.settings.get('mode')}, device {result.settings.get('device')}"),
        ]))
        out += self._figures(item, result)
        out.append(Paragraph("Layer scores", self.s.h2))
        weights = {c.layer: c for c in fusion.contributions}
        rows = [["Layer", "Score", "Conf.", "Weight", "Log-odds", "Finding"]]
        for layer in result.layers:
            c = weights.get(layer.name)
            rows.append([layer.name, f"{layer.score:.3f}", f"{layer.confidence:.2f}", f"{c.weight:.2f}" if c else "—",
                         f"{c.log_odds:+.2f}" if c else "—", layer.summary])
        out.append(self.table(rows, [0.12, 0.07, 0.06, 0.08, 0.09, 0.58]))
        out.append(Spacer(1, 4))
        out.append(KeepTogether([Paragraph("Fusion breakdown", self.s.h2), figures.fusion_chart(fusion, self.width),
                                 self.p("Each bar is how far a layer moved the fused log-odds; the prior was "
                                        f"{fusion.prior_log_odds:+.2f}.", self.s.caption)]))
        out += self._regions(result)
        out += self._timeline(result)
        out += self._metadata(result)
        if result.warnings:
            out.append(Paragraph("Warnings", self.s.h2))
            out += [self.p(f"• {w}", self.s.small) for w in result.warnings]
        return out

    def _figures(self, item: ReportEvidence, result: AnalysisResult) -> list:
        panels = []
        regions = [region for layer in result.layers for region in layer.regions]
        thumbnail = figures.evidence_thumbnail(Path(item.path), regions) if result.evidence.modality == "image" else None
        if thumbnail is not None:
            caption = "Evidence" + (" with located regions (numbered, score)" if regions else "")
            panels.append((thumbnail, caption))
        if result.evidence.modality == "video":
            panels += self._key_frames(item, result)
        for layer in result.layers:
            for key, heat in layer.maps.items():
                panels.append((figures.heat_map_image(heat), f"{layer.name}: {heat.label or key}"))
        if not panels:
            return []
        columns = FIGURE_COLUMNS
        cell_width = (self.width - 3 * columns) / columns
        cells = [self._figure_cell(image, caption, cell_width) for image, caption in panels]
        rows = [cells[i:i + columns] + [""] * (columns - len(cells[i:i + columns])) for i in range(0, len(cells), columns)]
        grid = Table(rows, colWidths=[cell_width + 3] * columns)
        grid.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 1),
                                  ("RIGHTPADDING", (0, 0), (-1, -1), 2)]))
        return [Paragraph("Figures", self.s.h2), grid]

    def _key_frames(self, item: ReportEvidence, result: AnalysisResult) -> list:
        """Frames at the most suspicious face of each track and in each suspicious interval, boxes numbered
        as in the table of tracks."""
        numbered = _numbered_tracks(result)
        width = int(result.media.get("width") or 1)
        panels = []
        for time in key_frames(result):
            near = [(numbered[(name, r.track)], r) for name, r in _framed_regions(result) if abs(r.time - time) <= 0.25]
            frame = figures.video_frame(Path(item.path), time, width, near)
            if frame is not None:
                panels.append((frame, f"Frame at {time:.2f} s" + (" (boxes numbered by face track)" if near else "")))
        return panels

    def _figure_cell(self, image, caption: str, width: float) -> list:
        max_height = 55 * mm
        scale = min(width / image.width, max_height / image.height)
        return [Image(figures.jpeg_bytes(image), width=image.width * scale, height=image.height * scale),
                self.p(caption, self.s.caption)]

    def _regions(self, result: AnalysisResult) -> list:
        """Still images: one row per region. Video: one row per layer and face track (the JSON has every box)."""
        still = [(layer.name, region) for layer in result.layers for region in layer.regions if region.time is None]
        tracks = _track_rows(result)
        if not still and not tracks:
            return []
        out = []
        if still:
            rows = [["#", "Layer", "Region", "Box (x, y, w, h)", "Score"]]
            for number, (layer, region) in enumerate(still, start=1):
                rows.append([str(number), layer, region.label, ", ".join(str(int(v)) for v in region.box),
                             f"{region.score:.3f}"])
            out += [Paragraph("Located regions", self.s.h2), self.table(rows, [0.06, 0.18, 0.26, 0.35, 0.15])]
        if tracks:
            rows = [["#", "Layer", "Face track", "Seen (s)", "Boxes", "Mean score", "Highest"]] + tracks
            out += [Paragraph("Face tracks", self.s.h2), self.table(rows, [0.06, 0.18, 0.14, 0.22, 0.1, 0.15, 0.15])]
        return out

    def _timeline(self, result: AnalysisResult) -> list:
        entries = result.timeline or next((layer.timeline for layer in result.layers if layer.timeline), [])
        cuts = result.media.get("cuts") or []
        cut_note = [self.p("Shot cuts at " + ", ".join(f"{cut['time']:.2f} s" for cut in cuts) + "; no analysis "
                           "interval spans a cut.", self.s.caption)] if cuts else []
        if not entries or max(e.end for e in entries) <= 0:
            return [Paragraph("Timeline", self.s.h2)] + cut_note if cut_note else []
        threshold = result.fusion.thresholds.get("fake_above", 0.5) if result.fusion else 0.5
        suspicious = [e for e in entries if e.score >= threshold]
        out = [Paragraph("Timeline", self.s.h2), figures.timeline_chart(entries, self.width, threshold)] + cut_note
        if suspicious:
            rows = [["Start (s)", "End (s)", "Score", "What fired"]]
            rows += [[f"{e.start:.2f}", f"{e.end:.2f}", f"{e.score:.3f}", ", ".join(e.labels) or "—"] for e in suspicious]
            out.append(self.table(rows, [0.12, 0.12, 0.1, 0.66]))
        else:
            out.append(self.p("No interval reached the fake threshold.", self.s.caption))
        return out

    def _metadata(self, result: AnalysisResult) -> list:
        rows = [["Group", "Field", "Value"]]
        for group, table in metadata_tables(result).items():
            rows += [[group, key, value] for key, value in table.items()]
        if len(rows) == 1:
            return [Paragraph("Metadata", self.s.h2), self.p("No EXIF, XMP, IPTC, text-chunk, container or C2PA "
                                                            "metadata found.", self.s.small)]
        return [Paragraph("Metadata", self.s.h2), self.table(rows, [0.12, 0.3, 0.58]),
                self.p(f"Values longer than {METADATA_VALUE_LIMIT} characters are shortened here; the full values are "
                       "in the result JSON embedded in this PDF.", self.s.caption)]

    def _bookmarks(self) -> list:
        out = [Paragraph("5. Bookmarked findings", self.s.h1)]
        if not self.report.bookmarks:
            return out + [self.p("No findings were bookmarked.")]
        rows = [["Evidence", "Layer", "Status", "Note", "By / when (UTC)"]]
        for b in self.report.bookmarks:
            rows.append([f"#{b.evidence_number}", b.layer, BOOKMARK_STATUS_LABEL.get(b.status, b.status), b.note,
                         f"{b.created_by}\n{b.created_at}"])
        return out + [self.table(rows, [0.1, 0.13, 0.1, 0.45, 0.22])]

    def _interpretation(self) -> list:
        out = [Paragraph("6. Interpretation", self.s.h1),
               self.p("This section is the reading of the scores above; it is kept apart from them so that the "
                      "measurements can be checked independently of this reading.", self.s.caption)]
        for item in self.report.evidence:
            if item.result is None or item.result.fusion is None:
                continue
            out.append(self.p(f"#{item.number} {item.name}: {item.result.fusion.explanation}"))
            out.append(Spacer(1, 3))
        return out

    def _limitations(self) -> list:
        out = [Paragraph("7. Limitations", self.s.h1), self.p(GENERAL_LIMITATIONS)]
        rows = [["Layer", "Known limitations"]]
        for name, _ in _layers_used(self.report.results()):
            detector = self.detectors.get(name)
            if detector is not None:
                rows.append([name, detector.limitations])
        if len(rows) > 1:
            out.append(Spacer(1, 4))
            out.append(self.table(rows, [0.14, 0.86]))
        return out

    def _reproducibility(self) -> list:
        modes = sorted({str(r.settings.get("mode")) for r in self.report.results()})
        text = ("Every evidence file is identified by the SHA-256 above, every learned model by the SHA-256 of its "
                "weights, and every layer by its version. Re-running the same Forensic Studio version on a file with "
                "the same hash, e.g. 'forensic-studio analyze FILE --json --mode " + (modes[0] if modes else "full")
                + " --device cpu', reproduces the deterministic layers exactly and the learned scores to within "
                "floating-point rounding (GPU and CPU results can differ in the last decimals). The full results, "
                "with every parameter and setting, are embedded in this PDF as 'forensic-studio-manifest.json' and "
                "covered by the signature.")
        return [Paragraph("8. Reproducibility", self.s.h1), self.p(text)]

    def _signature(self) -> list:
        if self.signed_by:
            text = (f"This report is digitally signed (PAdES) by {self.signed_by}. The signature covers the whole "
                    "document, including the embedded manifest. Check it with 'forensic-studio verify REPORT.pdf "
                    "--trust CA.pem', or in any PDF reader that trusts the issuing CA; any change to the file after "
                    "signing invalidates the signature.")
        else:
            text = "This report is NOT digitally signed; its integrity cannot be demonstrated."
        return [Paragraph("9. Signature", self.s.h1), self.p(text)]


def _framed_regions(result: AnalysisResult) -> list[tuple[str, object]]:
    return [(layer.name, region) for layer in result.layers for region in layer.regions if region.time is not None]


def _numbered_tracks(result: AnalysisResult) -> dict[tuple[str, int | None], int]:
    keys = sorted({(name, region.track) for name, region in _framed_regions(result)}, key=lambda k: (k[0], k[1] or 0))
    return {key: number for number, key in enumerate(keys, start=1)}


def _track_rows(result: AnalysisResult) -> list[list[str]]:
    by_track: dict[tuple[str, int | None], list] = {}
    for name, region in _framed_regions(result):
        by_track.setdefault((name, region.track), []).append(region)
    rows = []
    for (name, track), number in _numbered_tracks(result).items():
        items = by_track[(name, track)]
        scores = [r.score for r in items]
        rows.append([str(number), name, str(track), f"{items[0].time:.1f}–{items[-1].time:.1f}", str(len(items)),
                     f"{sum(scores) / len(scores):.3f}", f"{max(scores):.3f}"])
    return rows


def _verdict_text(item: ReportEvidence) -> str:
    if item.result is None:
        return "not analysed"
    if item.result.error is not None:
        return f"error ({item.result.error.code})"
    return item.result.fusion.verdict.upper() if item.result.fusion else "—"


def _layers_used(results: list[AnalysisResult]) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for result in results:
        for layer in result.layers:
            seen.setdefault(layer.name, layer.version)
    return list(seen.items())
