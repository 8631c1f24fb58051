"""``models install ID``: fetch a catalogued pack from its public origin, check pins, import it.

This needs a network; on an offline workstation it fails within seconds and says
how to import the files instead.
"""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from pathlib import Path
from tempfile import TemporaryDirectory
from urllib.parse import urlparse

from ..media.intake import sha256_file
from .catalog import CATALOG, CatalogEntry
from .importers import ImportOptions, import_pack
from .store import ModelStore, Pack, PackError

CONNECT_TIMEOUT_S = 4


class OfflineError(PackError):
    pass


def _check_reachable(url: str) -> None:
    host = urlparse(url).hostname or ""
    try:
        socket.create_connection((host, 443), timeout=CONNECT_TIMEOUT_S).close()
    except OSError as exc:
        raise OfflineError(
            f"cannot reach {host} ({exc.__class__.__name__}): this machine looks offline. On a networked machine "
            f"run `forensic-studio models install ID` there, or download the files and use "
            f"`forensic-studio models import FOLDER|ZIP` here") from exc


def _download(url: str, target: Path) -> None:
    try:
        with urllib.request.urlopen(url, timeout=60) as response, open(target, "wb") as sink:
            while chunk := response.read(1 << 20):
                sink.write(chunk)
    except (urllib.error.URLError, OSError) as exc:
        raise PackError(f"download of {url} failed: {exc}") from exc


def install_from_catalog(pack_id: str, store: ModelStore, replace: bool = False) -> list[Pack]:
    entry: CatalogEntry | None = CATALOG.get(pack_id)
    if entry is None:
        raise PackError(f"unknown pack {pack_id!r}; known packs: {', '.join(sorted(CATALOG))}")
    _check_reachable(entry.origin)
    with TemporaryDirectory(prefix="fs-download-") as scratch:
        folder = Path(scratch) / pack_id
        folder.mkdir()
        for name, pinned in entry.files.items():
            _download(entry.origin + name, folder / name)
            if pinned and sha256_file(folder / name) != pinned:
                raise PackError(f"{name} from {entry.origin} does not match its pinned SHA-256; not installed")
        options = ImportOptions(pack_id=entry.id, fake_labels=list(entry.fake_labels) or None,
                                ensemble_weight=entry.ensemble_weight, input=entry.input, replace=replace,
                                source=entry.origin)
        return import_pack(folder, store, options)
