"""``mtm export scorecard|measure|board-pack``: the exports from the command line.

    mtm export board-pack --as-of 2021-07-15 --areas early-help,youth-justice -o pack.pptx
    mtm export board-pack --format pptx,pdf -o packs/        (a folder: files named for you)
    mtm export scorecard --format xlsx --publication -o .
    mtm export measure lac_rate_per_10k --format csv

``-o`` names a file, or a folder in which the file gets its standard name (council, kind, "as
of" date and data version); the default is the current folder. Exit 0 on success, 2 for a usage
problem, a date or area that names nothing, or no browser for the charts; the message says what
to do, and no traceback is shown (``mtm --debug export ...`` shows one).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

EXIT_OK, EXIT_USAGE = 0, 2
KINDS = ("scorecard", "measure", "board-pack")


def _list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``export`` and its three kinds to the ``mtm`` parser's subparsers."""
    export: argparse.ArgumentParser = subparsers.add_parser(
        "export",
        help="board pack (PowerPoint, PDF), scorecard (Excel, CSV, PDF) or a measure (Excel, CSV)",
        description="Write the board pack, the scorecard or one measure's data.",
    )
    kinds = export.add_subparsers(dest="export_kind", metavar="KIND")
    for kind, help_text, formats in (
        ("board-pack", "the board pack: PowerPoint and/or PDF", "pptx,pdf"),
        ("scorecard", "the scorecard table: Excel, CSV or a PDF to print", "xlsx,csv,pdf"),
        ("measure", "one measure's monthly data: Excel or CSV", "xlsx,csv"),
    ):
        command = kinds.add_parser(kind, help=help_text, description=help_text)
        if kind == "measure":
            command.add_argument("indicator_id", metavar="INDICATOR_ID")
            command.add_argument("--breakdown", help="one breakdown only (default: all)")
        command.add_argument(
            "--format",
            default=None,
            help=f"one or more of {formats}, comma-separated (default: from -o's extension, "
            + ("else both)" if kind == "board-pack" else f"else {formats.split(',')[0]})"),
        )
        command.add_argument(
            "--as-of", dest="as_of", help="board date YYYY-MM-DD (or load:N); default: latest"
        )
        if kind != "measure":
            command.add_argument(
                "--areas",
                action="append",
                default=[],
                help="service areas (names or slugs), comma-separated; default: all",
            )
            command.add_argument(
                "--measures", default="", help="only these indicator ids, comma-separated"
            )
        command.add_argument(
            "--publication",
            action="store_true",
            help="for publication: counts of 1 to the threshold (default 5) shown as c",
        )
        command.add_argument(
            "--round-to",
            dest="round_to",
            type=int,
            default=None,
            help="with --publication, round other counts to the nearest N (e.g. 5)",
        )
        command.add_argument("-o", "--out", default=".", help="a file, or a folder (default .)")
        command.add_argument("--db", help="the store (default: settings db, or MTM_DB)")
        command.add_argument(
            "--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS
        )
    return export


def _formats(args: argparse.Namespace, allowed: tuple[str, ...]) -> list[str]:
    from loaders.exports.data import ExportError

    out = Path(args.out)
    if args.format:
        chosen = [f.lower().lstrip(".") for f in _list(args.format)]
    elif out.suffix.lower().lstrip(".") in allowed:
        chosen = [out.suffix.lower().lstrip(".")]
    elif args.export_kind == "board-pack":
        chosen = list(allowed)  # a pack into a folder: PowerPoint and PDF
    else:
        chosen = [allowed[0]]
    bad = [f for f in chosen if f not in allowed]
    if bad:
        raise ExportError(f"--format {', '.join(bad)}: use {' or '.join(allowed)}")
    return chosen


def _target(out_text: str, filename: str) -> Path:
    """Where to write: inside ``out`` under the standard name when it is a folder, else
    ``out`` itself (its extension set to the format's, when several formats are asked for)."""
    from loaders.exports.data import ExportError

    out = Path(out_text)  # (Path() would drop a trailing slash: "packs/" names a folder)
    extension = Path(filename).suffix
    if out.is_dir() or out_text.endswith(("/", "\\")):
        out.mkdir(parents=True, exist_ok=True)
        return out / filename
    if not out.parent.exists():
        raise ExportError(f"-o {out}: the folder {out.parent} does not exist")
    return out if out.suffix.lower() == extension else out.with_suffix(extension)


def run(args: argparse.Namespace, out: TextIO) -> int:
    """Run ``mtm export ...``; returns the exit code (0, or 2 with a message on stderr)."""
    from indicators.settings import SettingsError, load_settings
    from loaders.exports import pack
    from loaders.exports.data import ExportError, Options

    kind = getattr(args, "export_kind", None)
    if kind not in KINDS:
        sys.stderr.write("mtm export: say what to export: board-pack, scorecard or measure\n")
        return EXIT_USAGE
    try:
        settings = load_settings(db=getattr(args, "db", None))
        areas = tuple(a for text in getattr(args, "areas", []) for a in _list(text))
        options = Options(
            as_of=args.as_of,
            areas=areas,
            measures=tuple(_list(getattr(args, "measures", "") or "")),
            publication=bool(args.publication),
            round_to=args.round_to,
        )
        if args.round_to is not None and not args.publication:
            raise ExportError("--round-to applies only with --publication")
        _target(args.out, "check.ext")  # a missing folder is found before the work is done
        if kind == "board-pack":
            formats = _formats(args, pack.PACK_FORMATS)
            exports = pack.board_pack(settings, options, formats)
        elif kind == "scorecard":
            exports = [
                pack.scorecard(settings, options, f) for f in _formats(args, pack.SCORECARD_FORMATS)
            ]
        else:
            exports = [
                pack.measure(settings, options, args.indicator_id, f, args.breakdown)
                for f in _formats(args, ("xlsx", "csv"))
            ]
        for export in exports:
            target = _target(args.out, export.filename)
            target.write_bytes(export.data)
            out.write(f"Written {target} ({len(export.data):,} bytes)\n")
    except (ExportError, SettingsError) as exc:
        sys.stderr.write(f"mtm export {kind}: {exc}\n")
        return EXIT_USAGE
    except OSError as exc:
        sys.stderr.write(f"mtm export {kind}: {exc.strerror or exc} ({exc.filename or ''})\n")
        return EXIT_USAGE
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """``python -m loaders.exports.cli ...``: the same as ``mtm export ...``."""
    parser = argparse.ArgumentParser(prog="mtm")
    parser.add_argument("--debug", action="store_true")
    add_parser(parser.add_subparsers(dest="command"))
    try:
        args = parser.parse_args(["export", *(argv if argv is not None else sys.argv[1:])])
    except SystemExit as exit_:
        return EXIT_OK if exit_.code in (0, None) else EXIT_USAGE
    return run(args, sys.stdout)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
