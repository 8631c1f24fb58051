"""CLI: ``case new|add|analyze|list|show|bookmark|verify|report``."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console
from rich.table import Table

from .recent import recent_cases, remember_case

EXIT_OK, EXIT_FAILED = 0, 2


def add_parser(commands) -> None:
    from ..reports.commands import add_report_options

    case = commands.add_parser("case", help="cases: evidence with custody, analysis runs, bookmarks, audit log")
    actions = case.add_subparsers(dest="case_command", required=True)
    new = actions.add_parser("new", help="create a case in an empty folder")
    new.add_argument("folder", metavar="CASE_DIR")
    new.add_argument("--title", required=True)
    new.add_argument("--reference", default="", help="the lab's or court's case number")
    new.add_argument("--examiner", default="", help="examiner of record (default: the analyst identity)")
    new.add_argument("--description", default="")
    add = actions.add_parser("add", help="add evidence files or folders (hashed read-only, never modified)")
    add.add_argument("folder", metavar="CASE_DIR")
    add.add_argument("paths", nargs="+", metavar="PATH")
    add.add_argument("--copy", action="store_true", help="also keep a hash-verified read-only working copy in the case")
    analyze = actions.add_parser("analyze", help="analyse the case's evidence (only items without a run, unless --all)")
    analyze.add_argument("folder", metavar="CASE_DIR")
    analyze.add_argument("--all", action="store_true", help="re-analyse every item")
    analyze.add_argument("--mode", choices=("fast", "full"), default="full")
    analyze.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    listing = actions.add_parser("list", help="list recent cases, or the cases in the given folders")
    listing.add_argument("folders", nargs="*", metavar="DIR")
    show = actions.add_parser("show", help="case details, evidence, runs and bookmarks")
    show.add_argument("folder", metavar="CASE_DIR")
    show.add_argument("--audit", action="store_true", help="also print the audit log")
    bookmark = actions.add_parser("bookmark", help="mark a finding for the report")
    bookmark.add_argument("folder", metavar="CASE_DIR")
    bookmark.add_argument("evidence", type=int, metavar="EVIDENCE_ID")
    bookmark.add_argument("--layer", default="fusion", help="the layer (view) the finding is about")
    bookmark.add_argument("--status", choices=("ok", "to_check", "warning"), required=True)
    bookmark.add_argument("--note", required=True)
    verify = actions.add_parser("verify", help="check the audit chain, the records and the evidence hashes")
    verify.add_argument("folder", metavar="CASE_DIR")
    verify.add_argument("--no-rehash", action="store_true", help="skip re-hashing the evidence files")
    verify.add_argument("--json", action="store_true")
    report = actions.add_parser("report", help="write the case's signed PDF report")
    report.add_argument("folder", metavar="CASE_DIR")
    add_report_options(report, required=True)


def run(args) -> int:
    handler = {"new": _new, "add": _add, "analyze": _analyze, "list": _list, "show": _show, "bookmark": _bookmark,
               "verify": _verify, "report": _report}[args.case_command]
    return handler(args)


def _new(args) -> int:
    from ..reports.identity import IdentityStore
    from .store import Case

    examiner = args.examiner or IdentityStore().analyst_name() or ""
    with Case.create(Path(args.folder), args.title, args.reference, examiner, args.description) as case:
        remember_case(case.folder)
        Console().print(f"Created case [bold]{args.title}[/] ({case.info['case_id']}) in {case.folder}")
    return EXIT_OK


def _add(args) -> int:
    from ..media.intake import expand_inputs
    from .store import Case, CaseError

    stderr, failed = Console(stderr=True), 0
    with Case.open(args.folder) as case:
        remember_case(case.folder)
        for path in expand_inputs(args.paths):
            try:
                item = case.add_evidence(path, copy=args.copy)
            except CaseError as exc:
                stderr.print(f"[red]not added[/]: {exc}")
                failed += 1
                continue
            Console().print(f"#{item.id} {item.name}  SHA-256 {item.sha256}")
    return EXIT_FAILED if failed else EXIT_OK


def _analyze(args) -> int:
    from ..context import AnalysisContext, Settings, resolve_device
    from ..pipeline import analyze_file
    from ..progress import progress_bar
    from .store import Case

    settings, device = Settings(mode=args.mode, device=args.device), resolve_device(args.device)
    console, failed = Console(stderr=True), 0
    with Case.open(args.folder) as case:
        pending = [item for item in case.evidence() if args.all or case.latest_run(item.id) is None]
        with progress_bar(console, total=len(pending), enabled=len(pending) > 1) as advance:
            for item in pending:
                path = case.working_copy_path(item) or Path(item.original_path)
                result = analyze_file(path, AnalysisContext(settings=settings, device=device))
                if result.evidence.sha256 and result.evidence.sha256 != item.sha256:
                    result.warnings.append("the analysed file does not match the SHA-256 taken at intake")
                case.record_run(item.id, result)  # committed at once: a crash later loses nothing before it
                failed += result.error is not None
                verdict = result.fusion.verdict if result.fusion else f"error: {result.error.message}"
                console.print(f"#{item.id} {item.name}: {verdict}")
                advance(item.name)
        if not pending:
            console.print("Every evidence item already has a run (use --all to re-analyse).")
    return EXIT_FAILED if failed else EXIT_OK


def _list(args) -> int:
    from .store import DATABASE_NAME, Case, CaseError

    folders = ([p.parent for d in args.folders for p in sorted(Path(d).glob(f"*/{DATABASE_NAME}"))]
               + [Path(d) for d in args.folders if (Path(d) / DATABASE_NAME).is_file()]) if args.folders else recent_cases()
    table = Table(title="Cases")
    for column in ("folder", "title", "reference", "evidence", "created"):
        table.add_column(column)
    for folder in folders:
        try:
            with Case.open(folder) as case:
                info = case.info
                table.add_row(str(folder), info.get("title", ""), info.get("reference", ""), str(len(case.evidence())),
                              info.get("created_at", "")[:19])
        except CaseError as exc:
            table.add_row(str(folder), f"[red]{exc}[/]", "", "", "")
    Console().print(table)
    return EXIT_OK


def _show(args) -> int:
    from .store import Case

    console = Console()
    with Case.open(args.folder) as case:
        info = table_of(case.info.items(), "Case")
        console.print(info)
        evidence = Table(title="Evidence")
        for column in ("#", "file", "SHA-256", "acquired", "by", "runs", "latest verdict"):
            evidence.add_column(column)
        for item in case.evidence():
            runs = case.runs(item.id)
            latest = runs[-1] if runs else None
            verdict = (latest.verdict or f"error: {latest.error}") if latest else "not analysed"
            evidence.add_row(str(item.id), item.name, item.sha256[:16] + "…", item.acquired_at[:19], item.added_by,
                             str(len(runs)), verdict)
        console.print(evidence)
        bookmarks = case.bookmarks()
        if bookmarks:
            console.print(table_of(((f"#{b.evidence_id} {b.layer} [{b.status}]", b.note) for b in bookmarks), "Bookmarks"))
        if args.audit:
            console.print(table_of(((f"{e.seq} {e.at[:19]} {e.actor}", f"{e.action} {json.dumps(e.details)[:120]}")
                                    for e in case.audit_entries()), "Audit log"))
    return EXIT_OK


def table_of(pairs, title: str) -> Table:
    table = Table(title=title, show_header=False)
    for key, value in pairs:
        table.add_row(str(key), str(value))
    return table


def _bookmark(args) -> int:
    from .store import Case

    with Case.open(args.folder) as case:
        bookmark = case.add_bookmark(args.evidence, args.layer, args.status, args.note)
    Console().print(f"Bookmark #{bookmark.id} added to evidence #{bookmark.evidence_id}")
    return EXIT_OK


def _verify(args) -> int:
    from .verify import open_and_verify

    outcome = open_and_verify(Path(args.folder), rehash=not args.no_rehash)
    if args.json:
        print(json.dumps(outcome.__dict__ | {"ok": outcome.ok}, ensure_ascii=False))
        return EXIT_OK if outcome.ok else EXIT_FAILED
    console = Console()
    console.print(f"Audit log: {outcome.entries} entries, head {outcome.head}")
    for evidence_id, status in outcome.evidence_status.items():
        console.print(f"evidence #{evidence_id}: {status}")
    for note in outcome.notes:
        console.print(f"[yellow]note[/]: {note}")
    for problem in outcome.problems:
        console.print(f"[red]✗[/] {problem}")
    console.print("[green]CASE VERIFIED[/]" if outcome.ok else "[red]CASE NOT VERIFIED[/]")
    return EXIT_OK if outcome.ok else EXIT_FAILED


def _report(args) -> int:
    from ..reports.commands import run_report

    args.source = args.folder
    return run_report(args)
