"""``forensic-studio eval DIR``: run the pipeline over labelled folders and report metrics.

Every folder under DIR that has both ``real/`` and ``fake/`` children is one
source; files below ``real/`` are label 0, below ``fake/`` label 1.  Metrics are
given per source and pooled.  Files that fail analysis are counted, not scored.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from ..context import AnalysisContext, Settings
from ..media.intake import expand_inputs
from ..progress import progress_bar
from .metrics import summarise


@dataclass(frozen=True)
class Sample:
    path: Path
    label: int
    source: str


def find_samples(root: Path, limit: int = 0) -> list[Sample]:
    if not root.is_dir():
        raise FileNotFoundError(f"{root} is not a folder")
    samples = []
    for folder in sorted({p.parent for p in root.rglob("real") if p.is_dir() and (p.parent / "fake").is_dir()}):
        source = str(folder.relative_to(root)) if folder != root else root.name
        for label, name in ((0, "real"), (1, "fake")):
            files = expand_inputs([str(folder / name)])
            samples.extend(Sample(path, label, source) for path in (files[:limit] if limit else files))
    if not samples:
        raise FileNotFoundError(f"no folder with both real/ and fake/ subfolders under {root}")
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


def _score_one(job: tuple[str, Settings, str]) -> tuple[float | None, str | None, str | None]:
    from ..pipeline import analyze_file

    path, settings, device = job
    result = analyze_file(path, AnalysisContext(settings=settings, device=device))
    if result.fusion is None:
        return None, None, result.error.code if result.error else "no_result"
    return result.fusion.fake_probability, result.fusion.verdict, None


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
    failures: dict[str, int] = {}
    for sample, (score, verdict, error) in zip(samples, outcomes):
        if error is not None:
            failures[error] = failures.get(error, 0) + 1
            continue
        by_source.setdefault(sample.source, []).append((sample.label, score, verdict))
    everything = [item for items in by_source.values() for item in items]
    return {
        "root": str(root),
        "settings": settings.as_dict(),
        "pooled": _metrics(everything),
        "sources": {source: _metrics(items) for source, items in sorted(by_source.items())},
        "failed": failures,
    }


def _metrics(items: list) -> dict:
    if not items:
        return {"n": 0}
    labels, scores, verdicts = zip(*items)
    return summarise(labels, scores, verdicts)


def print_report(console: Console, report: dict) -> None:
    split = report.get("split", "all")
    table = Table(title=f"Evaluation of {report['root']} ({report['settings']['mode']} mode, split: {split})")
    for column in ("source", "n (real/fake)", "AUC", "EER", "acc@0.5", "inconclusive", "ECE"):
        table.add_column(column, justify="left" if column == "source" else "right")
    rows = list(report["sources"].items()) + [("pooled", report["pooled"])]
    for name, m in rows:
        if not m.get("n"):
            continue
        table.add_row(name, f"{m['n']} ({m['n_real']}/{m['n_fake']})", _fmt(m["auc"]), _fmt(m["eer"]),
                      _fmt(m["accuracy_at_threshold"]), _fmt(m["inconclusive_rate"]), _fmt(m["ece"]))
    console.print(table)
    if report["failed"]:
        console.print(f"[yellow]not analysed[/yellow]: {report['failed']}")


def _fmt(value) -> str:
    return "n/a" if value is None else f"{value:.3f}"
