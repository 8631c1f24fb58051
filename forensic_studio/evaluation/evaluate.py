"""``forensic-studio eval DIR``: run the pipeline over labelled folders and report metrics.

Every folder under DIR that has both ``real/`` and ``fake/`` children is one
source; files below ``real/`` are label 0, below ``fake/`` label 1.  Metrics of
the fused verdict are given per source and pooled, and beside them the AUC of
each layer's own score: which layer separates which source, and how much the
fusion gains or loses on it.  Files that fail analysis are counted, not scored.
"""

from __future__ import annotations

import os
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from ..context import AnalysisContext, Settings
from ..media.intake import expand_inputs
from ..progress import progress_bar
from .metrics import roc_auc, summarise


@dataclass(frozen=True)
class Sample:
    path: Path
    label: int
    source: str


def find_samples(root: Path, limit: int = 0) -> list[Sample]:
    if not root.is_dir():
        raise FileNotFoundError(f"{root} is not a folder")
    samples = []
    # A source may hold one class only: an authentic corpus measures false alarms, a generated one detection.
    folders = {p.parent for name in ("real", "fake") for p in root.rglob(name) if p.is_dir()}
    for folder in sorted(folders):
        source = str(folder.relative_to(root)) if folder != root else root.name
        for label, name in ((0, "real"), (1, "fake")):
            if not (folder / name).is_dir():
                continue
            files = expand_inputs([str(folder / name)])
            samples.extend(Sample(path, label, source) for path in (files[:limit] if limit else files))
    if not samples:
        raise FileNotFoundError(f"no folder with a real/ or fake/ subfolder under {root}")
    return samples


def select_split(samples: list[Sample], split: str) -> list[Sample]:
    """Keep the training or validation side of the grouped split (see ``training.splits``)."""
    if split == "all":
        return samples
    from ..media.intake import sha256_file
    from ..training.splits import LabelledFile, split_by_source

    files = [LabelledFile(s.path, s.label, s.source, sha256_file(s.path)) for s in samples]
    train, validation = split_by_source(files)
    keep = {f.path for f in (validation if split == "val" else train)}
    return [s for s in samples if s.path in keep]


def _score_one(job: tuple[str, Settings, str]) -> tuple[float | None, str | None, str | None, dict[str, float], list[str]]:
    """Fused probability, verdict, error code, every error-free layer's own score, and the models behind them."""
    from ..pipeline import analyze_file

    path, settings, device = job
    result = analyze_file(path, AnalysisContext(settings=settings, device=device))
    if result.fusion is None:
        return None, None, result.error.code if result.error else "no_result", {}, []
    layers = {layer.name: layer.score for layer in result.layers if layer.error is None}
    models = [f"{m.id} {m.version} {m.sha256[:16]}" for m in result.models]
    return result.fusion.fake_probability, result.fusion.verdict, None, layers, models


def evaluate_tree(root: Path, ctx_factory, limit: int = 0, console: Console | None = None,
                  workers: int | None = None, split: str = "all") -> dict:
    samples = select_split(find_samples(root, limit), split)
    template: AnalysisContext = ctx_factory()
    jobs = [(str(s.path), template.settings, template.device) for s in samples]
    workers = workers or min(4, os.cpu_count() or 1)
    outcomes = []
    with progress_bar(console or Console(stderr=True), total=len(jobs)) as advance:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for sample, outcome in zip(samples, pool.map(_score_one, jobs, chunksize=8)):
                outcomes.append(outcome)
                advance(sample.path.name)
    return _report(root, samples, outcomes, template.settings) | {"split": split}


def _report(root: Path, samples: list[Sample], outcomes: list, settings: Settings) -> dict:
    by_source: dict[str, list] = {}
    layer_scores: dict[str, dict[str, list]] = {}
    failures: Counter[str] = Counter()
    models: Counter[str] = Counter()  # which weights took part, and on how many files (e.g. a face-detector pack)
    for sample, (score, verdict, error, layers, used) in zip(samples, outcomes):
        if error is not None:
            failures[error] += 1
            continue
        models.update(used)
        by_source.setdefault(sample.source, []).append((sample.label, score, verdict))
        for name, layer_score in layers.items():
            layer_scores.setdefault(name, {}).setdefault(sample.source, []).append((sample.label, layer_score))
    everything = [item for items in by_source.values() for item in items]
    return {
        "root": str(root),
        "settings": settings.as_dict(),
        "pooled": _metrics(everything),
        "sources": {source: _metrics(items) for source, items in sorted(by_source.items())},
        "layers": {name: _layer_aucs(per_source) for name, per_source in sorted(layer_scores.items())},
        "failed": dict(failures),
        "models": dict(sorted(models.items())),
    }


def _metrics(items: list) -> dict:
    if not items:
        return {"n": 0}
    labels, scores, verdicts = zip(*items)
    return summarise(labels, scores, verdicts)


def _layer_aucs(per_source: dict[str, list]) -> dict[str, dict]:
    """AUC of one layer's own score per source and pooled, on every file it ran on without error,
    including files where it carried no weight (e.g. the learned layer's whole-frame score without a face)."""
    def auc(items: list) -> dict:
        labels, scores = (np.asarray(column, dtype=float) for column in zip(*items))
        return {"n": len(items), "auc": None if np.ptp(scores) == 0 else roc_auc(labels, scores)}

    pooled = [item for items in per_source.values() for item in items]
    return {source: auc(items) for source, items in sorted(per_source.items())} | {"pooled": auc(pooled)}


def print_report(console: Console, report: dict) -> None:
    split = report.get("split", "all")
    table = Table(title=f"Evaluation of {report['root']} ({report['settings']['mode']} mode, split: {split})")
    for column in ("source", "n (real/fake)", "AUC", "EER", "acc@0.5", "inconclusive", "ECE",
                   "real->fake", "real->authentic", "fake->fake"):
        table.add_column(column, justify="left" if column == "source" else "right")
    rows = list(report["sources"].items()) + [("pooled", report["pooled"])]
    for name, m in rows:
        if not m.get("n"):
            continue
        table.add_row(name, f"{m['n']} ({m['n_real']}/{m['n_fake']})", _fmt(m["auc"]), _fmt(m["eer"]),
                      _fmt(m["accuracy_at_threshold"]), _fmt(m["inconclusive_rate"]), _fmt(m["ece"]),
                      _fmt(m["false_alarm_rate"]), _fmt(m["authentic_rate"]), _fmt(m["detection_rate"]))
    console.print(table)
    _print_layer_table(console, report)
    if report.get("models"):
        console.print("models (files): " + ", ".join(f"{name} ({count})" for name, count in report["models"].items()))
    if report["failed"]:
        console.print(f"[yellow]not analysed[/yellow]: {report['failed']}")


def _print_layer_table(console: Console, report: dict) -> None:
    """Layers whose score varied at all (metadata layers on stripped files sit at 0.5 throughout)."""
    layers = {name: aucs for name, aucs in report.get("layers", {}).items()
              if any(a["auc"] is not None for a in aucs.values())}
    if not layers:
        return
    columns = [*report["sources"], "pooled"]
    table = Table(title="Each layer's own score alone: AUC")
    for column in ("layer", *columns):
        table.add_column(column, justify="left" if column == "layer" else "right")
    for name, aucs in layers.items():
        table.add_row(name, *(_fmt(aucs.get(column, {}).get("auc")) for column in columns))
    console.print(table)


def _fmt(value) -> str:
    return "n/a" if value is None else f"{value:.3f}"
