"""The local model store: ``<user data dir>/models/<pack id>/`` with a ``pack.json`` each.

Installs are atomic (built in a staging folder, then renamed), every file is
listed with its SHA-256, and ``verify`` re-hashes them, so a pack that changed
on disk is caught before it scores evidence.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from ..media.intake import sha256_file

MANIFEST = "pack.json"
PACK_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,79}$")


class PackError(ValueError):
    """A pack cannot be installed, found or used; the message says why."""


def default_store_root() -> Path:
    return Path(platformdirs.user_data_dir("forensic-studio", appauthor=False)) / "models"


@dataclass
class Pack:
    folder: Path
    manifest: dict = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.manifest["id"]

    @property
    def kind(self) -> str:
        return self.manifest["kind"]

    @property
    def modality(self) -> str:
        return self.manifest["modality"]

    @property
    def ensemble_weight(self) -> float:
        return float(self.manifest.get("ensemble_weight", 1.0))


def check_pack_id(pack_id: str) -> str:
    if not PACK_ID.match(pack_id):
        raise PackError(f"invalid pack id {pack_id!r}: use lower-case letters, digits, '.', '_' and '-'")
    return pack_id


def hash_files(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): sha256_file(p)
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != MANIFEST}


class ModelStore:
    def __init__(self, root: Path | None = None):
        self.root = Path(root) if root else default_store_root()

    def packs(self, modality: str | None = None) -> list[Pack]:
        if not self.root.is_dir():
            return []
        found = []
        for manifest in sorted(self.root.glob(f"*/{MANIFEST}")):
            try:
                pack = Pack(manifest.parent, json.loads(manifest.read_text(encoding="utf-8")))
            except (OSError, ValueError):
                continue  # a broken folder is reported by verify, not fatal to listing
            if modality is None or pack.modality == modality:
                found.append(pack)
        return found

    def get(self, pack_id: str) -> Pack:
        folder = self.root / check_pack_id(pack_id)
        if not (folder / MANIFEST).is_file():
            raise PackError(f"no pack {pack_id!r} is installed (see `forensic-studio models list`)")
        return Pack(folder, json.loads((folder / MANIFEST).read_text(encoding="utf-8")))

    def install(self, staged: Path, manifest: dict, replace: bool = False) -> Pack:
        """Move a staged folder into the store under ``manifest['id']``, recording file hashes."""
        pack_id = check_pack_id(manifest["id"])
        target = self.root / pack_id
        if target.exists() and not replace:
            raise PackError(f"pack {pack_id!r} is already installed; remove it first or pass --replace")
        manifest = manifest | {"files": hash_files(staged)}
        (staged / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        self.root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self.root, prefix=".old-") as old:
            if target.exists():
                target.rename(Path(old) / pack_id)
            shutil.move(str(staged), str(target))
        return Pack(target, manifest)

    def remove(self, pack_id: str) -> None:
        shutil.rmtree(self.get(pack_id).folder)

    def set_weight(self, pack_id: str, weight: float) -> Pack:
        if not 0.0 <= weight <= 100.0:
            raise PackError("an ensemble weight must be between 0 (disabled) and 100")
        pack = self.get(pack_id)
        pack.manifest["ensemble_weight"] = weight
        (pack.folder / MANIFEST).write_text(json.dumps(pack.manifest, indent=2) + "\n", encoding="utf-8")
        return pack

    def verify(self, pack: Pack) -> list[str]:
        """Problems found (empty = intact): missing, changed or unexpected files."""
        expected = pack.manifest.get("files", {})
        actual = hash_files(pack.folder)
        problems = [f"missing file {name}" for name in expected if name not in actual]
        problems += [f"changed file {name}" for name, digest in expected.items() if name in actual and actual[name] != digest]
        problems += [f"unexpected file {name}" for name in actual if name not in expected]
        return problems

    def staging_dir(self) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(dir=self.root, prefix=".staging-"))
