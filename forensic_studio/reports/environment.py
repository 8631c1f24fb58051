"""The software and hardware a report was produced with (its "environment" section)."""

from __future__ import annotations

import platform
import subprocess
import sys
from pathlib import Path

from .. import __version__


def source_commit() -> str:
    """The git commit of a source checkout (with '+changes' when the tree differs), else 'unknown'."""
    root = Path(__file__).resolve().parents[2]
    if not (root / ".git").exists():
        return "unknown (not a source checkout)"
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                                timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown (git unavailable)"
    return commit + (" +uncommitted changes" if dirty else "")


def describe_environment(devices: set[str] | None = None) -> dict[str, str]:
    info = {
        "Forensic Studio": __version__,
        "Source commit": source_commit(),
        "Python": f"{platform.python_version()} ({platform.python_implementation()})",
        "Operating system": f"{platform.system()} {platform.release()} ({platform.machine()})",
        "Processor": platform.processor() or platform.machine(),
    }
    info |= _torch_facts()
    if devices:
        info["Analysis device(s)"] = ", ".join(sorted(devices))
    frozen = getattr(sys, "frozen", False)
    info["Distribution"] = "PyInstaller bundle" if frozen else "Python package"
    return info


def _torch_facts() -> dict[str, str]:
    try:
        import torch
    except Exception as exc:  # the report still renders without torch
        return {"PyTorch": f"not importable ({type(exc).__name__})"}
    facts = {"PyTorch": torch.__version__}
    if torch.cuda.is_available():
        facts["GPU"] = f"{torch.cuda.get_device_name(0)} (CUDA {torch.version.cuda})"
    else:
        facts["GPU"] = "none detected"
    return facts
