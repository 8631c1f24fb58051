"""CLI: ``identity create|import|show|export-ca``, ``report SOURCE -o OUT.pdf`` and ``verify REPORT.pdf``.

All of them run without prompts when the passphrase comes from ``--passphrase-file``
or FORENSIC_STUDIO_PASSPHRASE.  ``verify`` exits 0 only for an intact, valid,
trusted signature over the whole file whose named evidence, where found, still
matches; 2 otherwise.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from rich.console import Console
from rich.table import Table

EXIT_OK, EXIT_FAILED = 0, 2


def add_parsers(commands) -> None:
    identity = commands.add_parser("identity", help="the analyst's signing identity (lab CA or imported PKCS#12)")
    actions = identity.add_subparsers(dest="identity_command", required=True)
    create = actions.add_parser("create", help="create a local lab CA and an analyst certificate")
    create.add_argument("--name", required=True, help="the analyst's name, as it appears on signatures")
    create.add_argument("--email", default="")
    create.add_argument("--organisation", default="")
    create.add_argument("--overwrite", action="store_true", help="replace an existing identity")
    add_passphrase_option(create)
    imported = actions.add_parser("import", help="use an existing PKCS#12 (.p12/.pfx) as the analyst identity")
    imported.add_argument("file", metavar="FILE.p12")
    imported.add_argument("--overwrite", action="store_true")
    add_passphrase_option(imported)
    actions.add_parser("show", help="show the current identity")
    export = actions.add_parser("export-ca", help="write the CA certificate (PEM) that verifiers should trust")
    export.add_argument("file", metavar="FILE.pem")

    report = commands.add_parser("report", help="write a signed PDF report from a case folder or an analyze --json file")
    report.add_argument("source", metavar="CASE_DIR|RESULTS.jsonl")
    add_report_options(report, required=True)

    verify = commands.add_parser("verify", help="check a signed report: signature, trust and evidence hashes")
    verify.add_argument("report", metavar="REPORT.pdf")
    verify.add_argument("--trust", action="append", default=[], metavar="CA.pem",
                        help="a CA certificate to trust (repeatable); default: this workstation's lab CA")
    verify.add_argument("--evidence", action="append", default=[], metavar="DIR",
                        help="a folder where the evidence files can be found (default: their recorded paths)")
    verify.add_argument("--json", action="store_true")


def add_passphrase_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--passphrase-file", metavar="FILE",
                        help="read the key passphrase from FILE (else FORENSIC_STUDIO_PASSPHRASE, else a prompt)")


def add_report_options(parser: argparse.ArgumentParser, required: bool) -> None:
    flag = ("-o", "--out") if required else ("--report",)
    parser.add_argument(*flag, dest="report_out", required=required, metavar="OUT.pdf", help="write a signed PDF report")
    parser.add_argument("--paper", choices=("a4", "letter"), default="a4")
    parser.add_argument("--unsigned", action="store_true", help="do not sign (the report says so)")
    add_passphrase_option(parser)


def run_identity(args) -> int:
    from .identity import IdentityStore, resolve_passphrase

    store, console = IdentityStore(), Console()
    if args.identity_command in ("create", "import"):
        store.refuse_overwrite(args.overwrite)  # before asking for a passphrase
    if args.identity_command == "create":
        summary = store.create(args.name, resolve_passphrase(args.passphrase_file, confirm=True), args.email,
                               args.organisation, overwrite=args.overwrite)
        console.print(f"Created a lab CA and an analyst certificate for [bold]{summary.name}[/] in {store.folder}")
        console.print("Give verifiers the CA certificate: forensic-studio identity export-ca lab-ca.pem")
    elif args.identity_command == "import":
        summary = store.import_pkcs12(Path(args.file), resolve_passphrase(args.passphrase_file), overwrite=args.overwrite)
        console.print(f"Imported the identity of [bold]{summary.name}[/] ({summary.subject})")
    elif args.identity_command == "export-ca":
        Path(args.file).write_bytes(store.ca_certificate_pem())
        console.print(f"Wrote the CA certificate to {args.file}")
    else:
        table = Table(show_header=False)
        for key, value in store.summary().__dict__.items():
            table.add_row(key.replace("_", " "), str(value))
        table.add_row("folder", str(store.folder))
        console.print(table)
    return EXIT_OK


def run_report(args) -> int:
    from .content import from_case, from_results
    from ..cases.store import Case, current_actor
    from ..results import AnalysisResult

    source = Path(args.source)
    if source.is_dir():
        with Case.open(source) as case:
            report = from_case(case, current_actor())
            signed_by = write_report(report, args)
            case.log_event("report_issued", {"file": str(Path(args.report_out).resolve()), "signed": bool(signed_by),
                                             "audit_head": report.audit["head"]})
    else:
        results = [AnalysisResult.from_dict(json.loads(line)) for line in _read_lines(source)]
        write_report(from_results(results, current_actor()), args)
    return EXIT_OK


def write_report(report, args) -> str | None:
    """Issue the report the options of ``add_report_options`` describe; say where it went and who signed."""
    from .issue import issue_report

    signed_by = issue_report(report, Path(args.report_out), args.paper, sign=not args.unsigned,
                             passphrase_file=args.passphrase_file)
    Console(stderr=True).print(f"Wrote {args.report_out}" + (f", signed by {signed_by}" if signed_by else " (unsigned)"))
    return signed_by


def _read_lines(path: Path) -> list[str]:
    try:
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read {path}: {exc}") from None
    if not lines:
        raise ValueError(f"{path} holds no results (expected the JSON Lines of 'analyze --json --maps')")
    return lines


def run_verify(args) -> int:
    from .identity import IdentityError, IdentityStore
    from .signing import verify_report

    if not args.debug:  # pyHanko logs path-building failures with tracebacks; our summary says it plainly
        logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
        logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)
    if args.trust:
        roots, source = [Path(p).read_bytes() for p in args.trust], "trusted: " + ", ".join(args.trust)
    else:
        try:
            roots, source = [IdentityStore().ca_certificate_pem()], "this workstation's lab CA (no --trust given)"
        except IdentityError:
            roots, source = [], "no trust anchor: pass --trust CA.pem"
    outcome = verify_report(Path(args.report), roots, source, [Path(d) for d in args.evidence])
    if args.json:
        print(json.dumps(_as_dict(outcome), ensure_ascii=False))
    else:
        _print_verification(Console(), args.report, outcome)
    return EXIT_OK if outcome.ok else EXIT_FAILED


def _as_dict(outcome) -> dict:
    data = {k: v for k, v in outcome.__dict__.items() if k not in ("manifest", "evidence")}
    data["evidence"] = [e.__dict__ for e in outcome.evidence]
    data["ok"] = outcome.ok
    return data


def _print_verification(console: Console, path: str, outcome) -> None:
    mark = {True: "[green]yes[/]", False: "[red]no[/]"}
    table = Table(title=f"Verification of {path}", show_header=False)
    table.add_row("signed", mark[outcome.signed])
    table.add_row("intact (unchanged since signing)", mark[outcome.intact])
    table.add_row("signature valid", mark[outcome.valid])
    table.add_row("covers the whole file", mark[outcome.covers_whole_file])
    table.add_row("trusted", f"{mark[outcome.trusted]} ({outcome.trust_source})")
    table.add_row("signer", outcome.signer or "—")
    table.add_row("signing time (signer's clock)", outcome.signing_time or "—")
    console.print(table)
    if outcome.evidence:
        evidence = Table(title="Evidence named in the report")
        for column in ("file", "SHA-256", "status", "found at"):
            evidence.add_column(column)
        colour = {"verified": "green", "MISMATCH": "red"}
        for item in outcome.evidence:
            evidence.add_row(item.name, item.sha256[:16] + "…", f"[{colour.get(item.status, 'yellow')}]{item.status}[/]",
                             item.path or "—")
        console.print(evidence)
    for problem in outcome.problems:
        console.print(f"[red]✗[/] {problem}")
    console.print("[green]VERIFIED[/]" if outcome.ok else "[red]NOT VERIFIED[/]")
