"""A rich progress bar on stderr for batches; a no-op for single files or when disabled."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn


@contextmanager
def progress_bar(console: Console, total: int, enabled: bool = True) -> Iterator[Callable[[str], None]]:
    """Yield ``advance(label)``; call it once per finished item."""
    if not enabled:
        yield lambda label: None
        return
    columns = (TextColumn("[bold]analysing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
               TextColumn("{task.description}"))
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("", total=total)
        yield lambda label: progress.update(task, advance=1, description=label[:40])
