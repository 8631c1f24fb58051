"""Human-readable terminal output of analysis results (rich tables)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from .results import AnalysisResult

VERDICT_STYLE = {"fake": "bold red", "inconclusive": "bold yellow", "authentic": "bold green"}


def print_results(console: Console, results: list[AnalysisResult]) -> None:
    for result in results:
        console.rule(f"[bold]{result.evidence.path}")
        if result.error is not None:
            console.print(f"[red]error[/red] {result.error.code}: {result.error.message}")
            continue
        fusion = result.fusion
        console.print(f"sha256 {result.evidence.sha256}  {result.evidence.format} {_media_line(result.media)}")
        console.print(f"verdict [{VERDICT_STYLE[fusion.verdict]}]{fusion.verdict}[/]  "
                      f"fake probability {fusion.fake_probability:.2f}  profile {fusion.profile}")
        table = Table(show_header=True, header_style="bold")
        for column, justify in (("layer", "left"), ("score", "right"), ("conf.", "right"), ("log-odds", "right"), ("finding", "left")):
            table.add_column(column, justify=justify)
        contributions = {c.layer: c.log_odds for c in fusion.contributions}
        for layer in result.layers:
            table.add_row(layer.name, f"{layer.score:.2f}", f"{layer.confidence:.2f}",
                          f"{contributions.get(layer.name, 0.0):+.2f}", layer.summary)
        console.print(table)
        for layer in result.layers:
            still = [r for r in layer.regions if r.time is None]
            for region in still:
                x, y, w, h = region.box
                console.print(f"  {layer.name}: {region.label} at x={x} y={y} {w}x{h} px, score {region.score:.2f}")
            framed = [r for r in layer.regions if r.time is not None]
            if framed:  # video: one box per face per sampled frame; the JSON has them all
                tracks = sorted({r.track for r in framed})
                console.print(f"  {layer.name}: {len(framed)} face box(es) on {len(tracks)} track(s), "
                              f"{framed[0].time:.1f}-{framed[-1].time:.1f} s")
        for cut in result.media.get("cuts", []):
            console.print(f"  cut at {cut['time']:.2f} s")
        for interval in result.intervals:
            console.print(f"  suspicious {interval.start:.1f}-{interval.end:.1f} s, score {interval.score:.2f}"
                          + (f" ({', '.join(interval.labels)})" if interval.labels else ""))
        for model in result.models:
            console.print(f"  model {model.id} v{model.version} sha256 {model.sha256[:16]}…")
        for warning in result.warnings:
            console.print(f"[yellow]warning[/yellow] {warning}")


def _media_line(media: dict) -> str:
    if "video_codec" in media:
        audio = media.get("audio") or {}
        sound = f", audio {audio.get('codec')} {audio.get('sample_rate')} Hz" if audio else ", no audio"
        seconds = media.get("analysed_seconds", media.get("duration_s"))
        return f"{media.get('width')}x{media.get('height')} {media.get('video_codec')} {media.get('frame_rate')} fps, {seconds} s{sound}"
    if "width" in media:
        return f"{media.get('width')}x{media.get('height')}"
    if "sample_rate" in media:
        seconds = media.get("analysed_seconds", media.get("duration_s"))
        return (f"{media.get('codec')} {media.get('sample_rate')} Hz, {media.get('channels')} ch, "
                f"{seconds} s, speech {media.get('speech_seconds', '?')} s")
    return ""
