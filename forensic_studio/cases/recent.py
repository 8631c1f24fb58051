"""The list of recently used case folders (shared by ``case list`` and the GUI), in the user data dir."""

from __future__ import annotations

import json
from pathlib import Path

from platformdirs import user_data_dir

MAX_RECENT = 20


def _recent_file() -> Path:
    return Path(user_data_dir("forensic-studio")) / "recent_cases.json"


def recent_cases() -> list[Path]:
    """Most recent first; folders that no longer hold a case are dropped."""
    try:
        entries = json.loads(_recent_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [Path(p) for p in entries if isinstance(p, str) and (Path(p) / "case.sqlite").is_file()]


def remember_case(folder: Path) -> None:
    folder = Path(folder).resolve()
    entries = [folder] + [p for p in recent_cases() if p != folder]
    target = _recent_file()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.write_text(json.dumps([str(p) for p in entries[:MAX_RECENT]], indent=1), encoding="utf-8")
    partial.replace(target)
