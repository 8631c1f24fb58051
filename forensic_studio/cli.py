"""Command line: ``forensic-studio analyze | eval | bench | detectors | models | case | report | verify | identity``.

``analyze --json`` follows the contract in docs/ARCHITECTURE.md: one JSON object per
input on stdout, in input order, nothing else on stdout; progress and logs on
stderr; exit 0 (all analysed), 2 (some input failed), 1 (internal error).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from . import __version__
from .cases import commands as case_commands
from .packs import commands as models_commands
from .reports import commands as report_commands

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="forensic-studio", description="Offline forensic analysis of images, audio and video.")
    parser.add_argument("--version", action="version", version=f"forensic-studio {__version__}")
    parser.add_argument("--debug", action="store_true", help="log details and tracebacks to stderr")
    commands = parser.add_subparsers(dest="command")

    analyze = commands.add_parser("analyze", help="analyse files or folders (folders recurse)")
    analyze.add_argument("paths", nargs="+", metavar="PATH")
    _add_analysis_options(analyze)
    analyze.add_argument("--json", action="store_true", help="JSON Lines on stdout, one object per input")
    analyze.add_argument("--maps", action="store_true", help="include heat maps (base64 PNG) in the JSON")
    report_commands.add_report_options(analyze, required=False)

    evaluate = commands.add_parser("eval", help="accuracy on a labelled folder tree (real/ and fake/ subfolders)")
    evaluate.add_argument("root", metavar="DIR")
    _add_analysis_options(evaluate)
    evaluate.add_argument("--json", action="store_true", help="print the metrics as one JSON object")
    evaluate.add_argument("--limit", type=int, default=0, help="at most N files per class and source (0 = all)")
    evaluate.add_argument("--split", choices=("all", "train", "val"), default="all",
                          help="score only one side of the grouped train/validation split used for training")

    bench = commands.add_parser("bench", help="measure analysis speed and memory on generated media")
    bench.add_argument("--target", choices=("image", "image-model", "audio", "video", "video-memory", "ui-stall"),
                       default="image",
                       help="image: whole pipeline on a generated photo; image-model: embedded model crops/s; "
                            "audio: whole pipeline on a generated 60 s recording; video: a generated 60 s 1080p30 "
                            "H.264+AAC clip against ffmpeg's decoding time; video-memory: peak RSS on a 10 min "
                            "720p clip")
    bench.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    bench.add_argument("--seconds", type=float, default=10.0, help="image-model: measuring time per batch size")
    bench.add_argument("--megapixels", type=float, default=12.0)
    bench.add_argument("--audio-seconds", type=float, default=60.0)
    bench.add_argument("--video-seconds", type=float, default=None, help="video: 60 s; video-memory: 600 s")
    bench.add_argument("--face", type=Path, default=None, metavar="IMAGE",
                       help="video: paste this face photo into the clip (exercises the face path)")
    bench.add_argument("--repeats", type=int, default=5)
    bench.add_argument("--json", action="store_true")

    commands.add_parser("detectors", help="list the registered detectors and their methods")
    models_commands.add_parser(commands)
    case_commands.add_parser(commands)
    report_commands.add_parsers(commands)
    return parser


def _add_analysis_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--mode", choices=("fast", "full"), default="full")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    parser.add_argument("--video-sampling", choices=("auto", "interval", "keyframes", "all"), default="auto",
                        help="video frames for the models: auto (full: interval, fast: keyframes), N per 2 s "
                             "interval, keyframes only, or every frame")
    parser.add_argument("--frames-per-interval", type=float, default=5.0, metavar="N",
                        help="interval sampling: frames per 2 s (below 1: sparser, reached by seeking)")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    if _wants_window(argv, parser):
        return _open_gui(argv)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    if args.command is None:
        return _open_gui([])
    handlers = {"analyze": _cmd_analyze, "eval": _cmd_eval, "bench": _cmd_bench, "detectors": _cmd_detectors,
                "models": models_commands.run, "case": case_commands.run, "report": report_commands.run_report,
                "verify": report_commands.run_verify, "identity": report_commands.run_identity}
    try:
        return handlers[args.command](args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (ValueError, FileNotFoundError) as exc:  # bad options, missing folders: a message, no traceback
        print(f"forensic-studio: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as exc:
        logging.getLogger(__name__).debug("internal error", exc_info=True)
        print(f"forensic-studio: internal error: {type(exc).__name__}: {exc} (run with --debug for details)", file=sys.stderr)
        return EXIT_INTERNAL


def _wants_window(argv: list[str], parser: argparse.ArgumentParser) -> bool:
    """No arguments, or only paths (``forensic-studio evidence/ clip.mp4``): the desktop window."""
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    return not argv or (not argv[0].startswith("-") and argv[0] not in commands and Path(argv[0]).exists())


def _open_gui(paths: list[str]) -> int:
    try:
        from .gui.app import run
    except ImportError as exc:  # PySide6 missing (a headless install): say so, keep the CLI usable
        print(f"forensic-studio: the desktop window needs PySide6 and pyqtgraph ({exc}); the command-line "
              "subcommands work without them (forensic-studio --help)", file=sys.stderr)
        return EXIT_BAD_INPUT
    return run(paths)


def _context_factory(args):
    from .context import AnalysisContext, Settings, resolve_device

    if args.frames_per_interval <= 0:
        raise ValueError("--frames-per-interval must be above 0")
    settings = Settings(mode=args.mode, device=args.device, video_sampling=args.video_sampling,
                        frames_per_interval=args.frames_per_interval)
    device = resolve_device(args.device)
    return lambda: AnalysisContext(settings=settings, device=device)


def _cmd_analyze(args) -> int:
    from rich.console import Console

    from .media.intake import expand_inputs
    from .pipeline import analyze_file
    from .progress import progress_bar

    ctx_factory = _context_factory(args)
    if args.report_out and not args.unsigned:
        from .reports.identity import IdentityStore

        IdentityStore().summary()  # no identity: say so before a long analysis, not after
    paths = expand_inputs(args.paths)
    if not paths:
        print("forensic-studio: no media files found in the given paths", file=sys.stderr)
        return EXIT_BAD_INPUT
    stderr = Console(stderr=True)
    results = []
    with progress_bar(stderr, total=len(paths), enabled=len(paths) > 1) as advance:
        for path in paths:
            result = analyze_file(path, ctx_factory())
            results.append(result)
            if args.json:
                sys.stdout.write(json.dumps(result.to_dict(include_maps=args.maps), ensure_ascii=False) + "\n")
                sys.stdout.flush()
            advance(path.name)
    if not args.json:
        from .report_table import print_results

        print_results(Console(), results)
    if args.report_out:  # a signed report without a case
        from .cases.store import current_actor
        from .reports.content import from_results

        report_commands.write_report(from_results(results, current_actor()), args)
    failed = [r for r in results if r.error is not None]
    if any(r.error.code == "internal_error" for r in failed):
        return EXIT_INTERNAL
    return EXIT_BAD_INPUT if failed else EXIT_OK


def _cmd_eval(args) -> int:
    from rich.console import Console

    from .evaluation.evaluate import evaluate_tree, print_report

    ctx_factory = _context_factory(args)
    report = evaluate_tree(Path(args.root), ctx_factory, limit=args.limit, console=Console(stderr=True), split=args.split)
    if args.json:
        print(json.dumps(report, indent=None))
    else:
        print_report(Console(), report)
    return EXIT_OK


def _cmd_bench(args) -> int:
    from rich.console import Console

    from . import bench
    from .context import resolve_device

    console = Console(stderr=True)
    targets = {
        "image-model": lambda: bench.run_image_model_bench(resolve_device(args.device), args.seconds, console),
        "audio": lambda: bench.run_audio_bench(args.audio_seconds, args.repeats, console),
        "image": lambda: bench.run_image_bench(args.megapixels, args.repeats, console),
        "video": lambda: bench.run_video_bench(args.video_seconds or 60.0, 1920, 1080, args.repeats, console, args.face),
        "video-memory": lambda: bench.run_video_memory_bench(args.video_seconds or 600.0, 1280, 720, console),
        "ui-stall": lambda: bench.run_ui_stall_bench(args.video_seconds or 20.0, console, args.face),
    }
    report = targets[args.target]()
    print(json.dumps(report, indent=None if args.json else 2))
    return EXIT_OK


def _cmd_detectors(args) -> int:
    from rich.console import Console
    from rich.table import Table

    from .detectors.registry import all_detectors

    table = Table(title="Registered detectors")
    for column in ("name", "modality", "version", "modes", "method"):
        table.add_column(column)
    for detector in all_detectors():
        table.add_row(detector.name, detector.modality, detector.version, ",".join(sorted(detector.modes)), detector.description)
    Console().print(table)
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
