"""``forensic-studio models list | install | import | remove | verify | weight``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from .store import ModelStore

EXIT_OK, EXIT_PROBLEM = 0, 2


def add_parser(commands) -> None:
    models = commands.add_parser("models", help="manage model packs (offline import, verify, ensemble weights)")
    sub = models.add_subparsers(dest="models_command", required=True)
    listing = sub.add_parser("list", help="installed packs and the catalogue of known packs")
    listing.add_argument("--json", action="store_true")
    install = sub.add_parser("install", help="download a catalogued pack (needs a network)")
    install.add_argument("pack_id", metavar="ID")
    install.add_argument("--replace", action="store_true")
    importing = sub.add_parser("import", help="import a pack from a folder or .zip (offline)")
    importing.add_argument("source", metavar="DIR|ZIP")
    importing.add_argument("--id", dest="pack_id", help="pack id (default: from the catalogue or the folder name)")
    importing.add_argument("--fake-labels", nargs="+", help="checkpoint labels that mean fake")
    importing.add_argument("--weight", type=float, help="ensemble weight (0 disables the pack)")
    importing.add_argument("--input", choices=("image", "face"), help="score whole images or face crops")
    importing.add_argument("--replace", action="store_true")
    remove = sub.add_parser("remove", help="delete an installed pack")
    remove.add_argument("pack_id", metavar="ID")
    verify = sub.add_parser("verify", help="re-hash installed packs against their manifests")
    verify.add_argument("pack_ids", nargs="*", metavar="ID")
    weight = sub.add_parser("weight", help="set a pack's ensemble weight (0 disables it)")
    weight.add_argument("pack_id", metavar="ID")
    weight.add_argument("value", type=float)


def run(args: argparse.Namespace) -> int:
    store = ModelStore()
    return _HANDLERS[args.models_command](args, store)


def _list(args, store: ModelStore) -> int:
    from rich.console import Console
    from rich.table import Table

    from .catalog import CATALOG

    installed = {p.id: p for p in store.packs()}
    rows = [{"id": p.id, "kind": p.kind, "modality": p.modality, "status": "installed",
             "weight": p.ensemble_weight, "input": p.manifest.get("input", ""), "title": p.manifest.get("title", "")}
            for p in installed.values()]
    rows += [{"id": e.id, "kind": e.kind, "modality": e.modality, "status": "available", "weight": e.ensemble_weight,
              "input": e.input, "title": e.title} for e in CATALOG.values() if e.id not in installed]
    if args.json:
        print(json.dumps({"store": str(store.root), "packs": rows}))
        return EXIT_OK
    table = Table(title=f"Model packs ({store.root})")
    table.add_column("id", no_wrap=True)  # typed back by the user: never truncate
    for column in ("kind", "status", "weight", "input", "title"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(str(row[c]) for c in ("id", "kind", "status", "weight", "input", "title")))
    Console().print(table)
    return EXIT_OK


def _install(args, store: ModelStore) -> int:
    from .install import install_from_catalog

    installed = next((p for p in store.packs() if p.id == args.pack_id), None)
    if installed is not None and not args.replace and not store.verify(installed):
        # Re-running a setup script is not an error: the pack is there and every file hashes as recorded.
        print(f"{installed.id} is already installed and intact in {installed.folder} (--replace fetches it again)")
        return EXIT_OK
    for pack in install_from_catalog(args.pack_id, store, replace=args.replace):
        print(f"installed {pack.id} ({pack.kind}) in {pack.folder}")
    return EXIT_OK


def _import(args, store: ModelStore) -> int:
    from .importers import ImportOptions, import_pack

    options = ImportOptions(pack_id=args.pack_id, fake_labels=args.fake_labels, ensemble_weight=args.weight,
                            input=args.input, replace=args.replace)
    for pack in import_pack(Path(args.source), store, options):
        print(f"imported {pack.id} ({pack.kind}, {len(pack.manifest['files'])} files) into {pack.folder}")
    return EXIT_OK


def _remove(args, store: ModelStore) -> int:
    store.remove(args.pack_id)
    print(f"removed {args.pack_id}")
    return EXIT_OK


def _verify(args, store: ModelStore) -> int:
    packs = [store.get(i) for i in args.pack_ids] if args.pack_ids else store.packs()
    broken = 0
    for pack in packs:
        problems = store.verify(pack)
        broken += bool(problems)
        print(f"{pack.id}: " + ("OK" if not problems else "; ".join(problems)))
    if not packs:
        print("no packs installed")
    return EXIT_PROBLEM if broken else EXIT_OK


def _weight(args, store: ModelStore) -> int:
    pack = store.set_weight(args.pack_id, args.value)
    print(f"{pack.id}: ensemble weight {pack.ensemble_weight}")
    return EXIT_OK


_HANDLERS = {"list": _list, "install": _install, "import": _import, "remove": _remove, "verify": _verify, "weight": _weight}
