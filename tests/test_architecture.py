"""Structural rules of the code base."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "forensic_studio"
QT_MODULES = ("PySide6", "PyQt5", "PyQt6", "pyqtgraph", "qtpy", "shiboken6")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_analysis_core_never_imports_qt():
    """Like napari's model: only forensic_studio/gui/ may import Qt."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if "gui" in path.relative_to(PACKAGE).parts:
            continue
        for module in imported_modules(path):
            if module.split(".")[0] in QT_MODULES:
                offenders.append(f"{path.relative_to(PACKAGE)} imports {module}")
    assert not offenders, offenders


def test_every_detector_is_registered_and_documented():
    from forensic_studio.detectors.registry import all_detectors

    detectors = all_detectors()
    assert len({d.name for d in detectors}) == len(detectors) >= 10
    for detector in detectors:
        assert detector.description and detector.limitations and detector.modes <= {"fast", "full"}


def test_readme_test_command_is_what_ci_runs():
    root = PACKAGE.parent
    readme = (root / "README.md").read_text(encoding="utf-8")
    ci = (root / ".ci" / "run").read_text(encoding="utf-8")
    test_command = re.search(r'pip install -e "\.\[test\]" && (.+)\n', readme).group(1).strip()
    assert test_command in ci.splitlines()


def test_cli_and_registry_start_without_torch():
    """torch takes seconds to import: only the learned layers may load it, when they run."""
    import subprocess
    import sys

    code = ("import sys, forensic_studio.cli; from forensic_studio.detectors.registry import all_detectors; "
            "all_detectors(); print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
