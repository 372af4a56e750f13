"""The `mtm` command line (also `python -m loaders`).

Exit codes: 0 success, 1 validation failed (the report is printed), 2 usage error, unreadable
file or a load that could not run (another in progress, disk full). No traceback reaches the
user unless --debug is given.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from indicators.cells import escape
from indicators.domain import Problem
from indicators.settings import Settings, SettingsError, load_settings
from loaders.exports import cli as export_cli

if TYPE_CHECKING:
    from loaders.ingest import LoadResult
    from loaders.ops import OpsDB

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Something the user can fix in how the command was called (exit 2)."""


class Progress:
    """Step messages on a terminal; silent when output is piped (CI, scripts)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.enabled = stream.isatty()
        self.started = time.monotonic()

    def step(self, text: str) -> None:
        if self.enabled:
            elapsed = time.monotonic() - self.started
            self.stream.write(f"\r\x1b[2K[{elapsed:5.1f}s] {text}")
            self.stream.flush()

    def done(self) -> None:
        if self.enabled:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()


def _settings(args: argparse.Namespace) -> Settings:
    # A path typed on the command line means from here, as for every other command; settings
    # files and variables keep theirs relative to the project, wherever the app is started.
    db = getattr(args, "db", None)
    return load_settings(db=str(Path(db).expanduser().absolute()) if db else None)


def _user(args: argparse.Namespace) -> str:
    if getattr(args, "user", None):
        return str(args.user)
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def format_problems(problems: Sequence[Problem], file_name: str) -> str:
    lines = [
        f"{file_name}: {len(problems):,} problem{'s' if len(problems) != 1 else ''}; "
        "nothing was loaded."
    ]
    for problem in problems:
        where = problem.location or "file"
        column = f" [{problem.column}]" if problem.column else ""
        value = f" value {problem.value!r}" if problem.value else ""
        lines.append(f"  {where}{column}{value}: {escape(problem.message, 400)}")
    return "\n".join(lines)


def _input_file(path_text: str) -> Path:
    path = Path(path_text)
    if not path.exists():
        raise UsageError(f"{path_text}: no such file")
    if not path.is_file():
        raise UsageError(f"{path_text}: not a file")
    return path


def cmd_template(args: argparse.Namespace, out: TextIO) -> int:
    from loaders.template import write_template

    out_path = Path(args.out)
    if out_path.suffix.lower() != ".xlsx":
        raise UsageError("the template must be written to a .xlsx file")
    month = None
    indicators = None
    breakdowns = None
    if args.month:
        try:
            month = dt.datetime.strptime(args.month, "%Y-%m").date()
        except ValueError as exc:
            raise UsageError(f"--month {args.month!r}: use YYYY-MM, e.g. 2020-07") from exc
        from loaders.prefill import prefill_from_store

        indicators, breakdowns = prefill_from_store(_settings(args))
    write_template(out_path, indicators=indicators, month=month, breakdowns=breakdowns)
    out.write(f"Template written to {out_path}\n")
    return EXIT_OK


def cmd_validate(args: argparse.Namespace, out: TextIO) -> int:
    from loaders.ingest import validate_file

    path = _input_file(args.file)
    validated = validate_file(_settings(args), path, path.name)
    if args.json:
        json.dump([p.as_dict() for p in validated.problems], out, indent=2, ensure_ascii=True)
        out.write("\n")
    elif validated.ok:
        counts = ", ".join(f"{n:,} {name}" for name, n in validated.counts().items() if n)
        out.write(
            f"{path.name}: valid ({counts or 'no rows'}; "
            f"{len(validated.not_supplied):,} values not supplied)\n"
        )
    else:
        out.write(format_problems(validated.problems, path.name) + "\n")
    return EXIT_OK if validated.ok else EXIT_INVALID


def lower_priority(niceness: int) -> None:
    """Run at (at least) this CPU niceness: on a small server a load then takes its time from
    idle cycles, not from the people reading pages. Never raises the priority."""
    wanted = max(0, min(19, niceness))
    current = os.nice(0)
    if wanted > current:
        os.nice(wanted - current)


def cmd_load(args: argparse.Namespace, out: TextIO) -> int:
    from loaders.ingest import load_workbook

    settings = _settings(args)
    lower_priority(settings.load_niceness)
    user = _user(args)
    paths = [_input_file(p) for p in args.files]
    progress = Progress(sys.stderr)
    worst = EXIT_OK
    ops = _ops(args)
    for path in paths:
        progress.step(f"Validating and publishing {path.name} ...")
        try:
            result = load_workbook(settings, path, path.name, user)
        except Exception as exc:
            ops.audit(user, "upload", "failed", path.name, f"{type(exc).__name__} (mtm load)")
            raise
        finally:
            progress.done()
        ops.audit(user, "upload", _outcome(result), path.name, "mtm load")
        if result.problems:
            out.write(format_problems(result.problems, path.name) + "\n")
            worst = max(worst, EXIT_INVALID)
        elif result.already_loaded_as is not None:
            out.write(
                f"{path.name}: already loaded as load {result.already_loaded_as}; "
                "nothing changed.\n"
            )
        elif result.summary is not None:
            summary = result.summary
            not_supplied = (
                f"; {result.not_supplied:,} values not supplied" if result.not_supplied else ""
            )
            out.write(
                f"{path.name}: Loaded: {summary.message} (load {summary.load_id}){not_supplied}\n"
            )
    return worst


def _outcome(result: LoadResult) -> str:
    if result.problems:
        return "rejected"
    if result.already_loaded_as is not None:
        return "already_loaded"
    return "success"


def cmd_load_benchmarks(args: argparse.Namespace, out: TextIO) -> int:
    from loaders.ingest import load_benchmarks

    bench = _input_file(args.file)
    sn = _input_file(args.sn_groups) if args.sn_groups else bench.with_name("sn_groups.csv")
    if not sn.exists():
        raise UsageError(f"no statistical-neighbour file: pass --sn-groups (looked for {sn})")
    london = _input_file(args.london) if args.london else bench.with_name("london_sub_regions.csv")
    summary = load_benchmarks(
        _settings(args), bench, sn, london if london.exists() else None, _user(args)
    )
    out.write(f"Loaded: {summary.message} (load {summary.load_id})\n")
    return EXIT_OK


def cmd_status(args: argparse.Namespace, out: TextIO) -> int:
    from indicators.store import Store, StoreUnavailable

    settings = _settings(args)
    try:
        snap = Store.from_settings(settings).snapshot()
    except StoreUnavailable:
        out.write(f"No store at {settings.db_path} yet: run `mtm load FILE` or start the app.\n")
        return EXIT_OK
    # As Python values: in a frame, a text column's NULL beside text is NaN (pandas 3), not None.
    loads = snap.records("loads")
    indicators = snap.query("indicators")
    actuals = snap.query("actuals")
    out.write(f"Store: {settings.db_path} -> {snap.path.name}\n")
    out.write(f"Version: load {snap.version}\n")
    if loads:
        last = loads[0]
        out.write(
            f"Last load: {last['kind']} {escape(last['file_name'] or '', 80)} by "
            f"{escape(last['user_name'], 40)} at {last['finished_at']:%Y-%m-%d %H:%M} UTC\n"
        )
    out.write(
        f"Indicators: {len(indicators):,} in {indicators['service_area'].nunique()} service areas\n"
    )
    if not actuals.empty:
        out.write(
            f"Actuals: {len(actuals):,} values, {actuals['period'].min():%Y-%m} to "
            f"{actuals['period'].max():%Y-%m}; "
            f"{int((actuals['status'] == 'provisional').sum()):,} provisional\n"
        )
    return EXIT_OK


def cmd_history(args: argparse.Namespace, out: TextIO) -> int:
    from indicators.store import Store, StoreUnavailable

    try:
        snap = Store.from_settings(_settings(args)).snapshot()
    except StoreUnavailable:
        out.write("No loads yet.\n")
        return EXIT_OK
    # As Python values, so a missing sha256 or rolls_back is null (a frame would give NaN).
    loads = snap.records("loads")
    if args.json:
        json.dump(loads, out, indent=2, default=str, allow_nan=False)
        out.write("\n")
        return EXIT_OK
    out.write(
        f"{'load':>5}  {'when (UTC)':16}  {'kind':10}  {'user':12}  {'sha256':12}  "
        "file / what changed\n"
    )
    for row in loads:
        sha = (row["sha256"] or "")[:12]
        out.write(
            f"{row['load_id']:>5}  {row['finished_at']:%Y-%m-%d %H:%M}  {row['kind']:10}  "
            f"{escape(row['user_name'], 12):12}  {sha:12}  "
            f"{escape(row['file_name'] or '', 40)} {escape(row['message'], 120)}\n"
        )
    return EXIT_OK


def cmd_rollback(args: argparse.Namespace, out: TextIO) -> int:
    from loaders.rollback import RollbackRefused, rollback

    settings = _settings(args)
    user = _user(args)
    try:
        summary = rollback(settings, args.load_id, user)
    except RollbackRefused as exc:
        _ops(args).audit(user, "rollback", "refused", f"load {args.load_id}", str(exc))
        raise UsageError(str(exc)) from exc
    _ops(args).audit(
        user, "rollback", "success", f"load {args.load_id}", f"published as load {summary.load_id}"
    )
    # The message begins "rolled back load N: ..." (as the history shows it).
    out.write(f"{summary.message[:1].upper()}{summary.message[1:]} (load {summary.load_id})\n")
    return EXIT_OK


def _ops(args: argparse.Namespace) -> OpsDB:
    from loaders.ops import OpsDB

    return OpsDB(_settings(args).path("ops_db"))


def _new_password(args: argparse.Namespace) -> str:
    """From standard input when piped (scripts), else asked twice without echo."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("New password: ")
    if first != getpass.getpass("Again: "):
        raise UsageError("the two passwords differ")
    return first


def _areas(text: str | None) -> tuple[str, ...]:
    return tuple(a.strip() for a in (text or "").split(";") if a.strip())


def cmd_user(args: argparse.Namespace, out: TextIO) -> int:
    from loaders.ops import AccountError

    ops = _ops(args)
    actor = _user(args)
    try:
        if args.action == "list":
            out.write(f"{'username':20} {'role':16} {'state':9} {'source':7} areas\n")
            for account in ops.list_users():
                state = "disabled" if account.disabled else "active"
                out.write(
                    f"{escape(account.username, 20):20} {account.role:16} {state:9} "
                    f"{account.auth_source:7} {'; '.join(account.areas)}\n"
                )
            return EXIT_OK
        if not args.username:
            raise UsageError(f"user {args.action} needs a USERNAME")
        if args.action == "add":
            if not args.role:
                raise UsageError("user add needs --role")
            account = ops.add_user(
                args.username,
                args.role,
                password=_new_password(args),
                display_name=args.name,
                areas=_areas(args.areas),
            )
            message = f"Added {account.username} ({account.role_label})"
        elif args.action == "disable":
            account = ops.set_disabled(args.username, True)
            message = f"Disabled {account.username}: signed out everywhere"
        elif args.action == "enable":
            account = ops.set_disabled(args.username, False)
            message = f"Enabled {account.username}"
        elif args.action == "role":
            if not args.role:
                raise UsageError("user role needs --role")
            account = ops.set_role(args.username, args.role, _areas(args.areas))
            message = f"{account.username} is now {account.role_label}; signed out everywhere"
        else:  # reset-password
            account = ops.set_password(args.username, _new_password(args))
            message = f"Password reset for {account.username}; signed out everywhere"
    except AccountError as exc:
        ops.audit(actor, f"user_{args.action}", "failure", args.username or "", str(exc))
        raise UsageError(str(exc)) from exc
    ops.audit(actor, f"user_{args.action}", "success", args.username, "via mtm")
    out.write(message + "\n")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace, out: TextIO) -> int:
    from loaders.demo import build_demo_store

    settings = _settings(args)
    summary = build_demo_store(settings, force=args.force)
    out.write(f"Demo store ready at {settings.db_path} ({summary})\n")
    return EXIT_OK


COMMANDS: dict[str, Callable[[argparse.Namespace, TextIO], int]] = {
    "template": cmd_template,
    "validate": cmd_validate,
    "load": cmd_load,
    "load-benchmarks": cmd_load_benchmarks,
    "status": cmd_status,
    "history": cmd_history,
    "demo": cmd_demo,
    "user": cmd_user,
    "rollback": cmd_rollback,
    "export": export_cli.run,
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mtm", description="Measures that matter: load, check and publish the scorecard data."
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        command = sub.add_parser(name, help=help_text, description=help_text)
        command.add_argument(
            "--db", help="the store, from the current folder (default: settings db, or MTM_DB)"
        )
        command.add_argument(
            "--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS
        )
        return command

    template = add("template", "write the template workbook")
    template.add_argument("out", metavar="OUT.xlsx")
    template.add_argument("--month", help="pre-fill Indicators and blank Actuals for YYYY-MM")
    validate = add("validate", "check a workbook without loading it")
    validate.add_argument("file", metavar="FILE")
    validate.add_argument("--json", action="store_true", help="problems as a JSON list")
    load = add("load", "validate and publish one or more workbooks")
    load.add_argument("files", nargs="+", metavar="FILE")
    load.add_argument("--user", help="who is loading (default: your login name)")
    bench = add("load-benchmarks", "load published benchmarks and statistical neighbours")
    bench.add_argument("file", metavar="FILE", help="published_benchmarks.csv (long format)")
    bench.add_argument("--sn-groups", help="sn_groups.csv (default: beside FILE)")
    bench.add_argument("--london", help="london_sub_regions.csv (default: beside FILE)")
    bench.add_argument("--user", help="who is loading")
    add("status", "what is published now")
    history = add("history", "every load, newest first")
    history.add_argument("--json", action="store_true")
    rollback = add("rollback", "undo a load by publishing a new version (history keeps both)")
    rollback.add_argument("load_id", type=int, metavar="LOAD_ID")
    rollback.add_argument("--user", help="who is rolling back (default: your login name)")
    user = add("user", "manage accounts: add, list, disable, enable, role, reset-password")
    user.add_argument(
        "action", choices=["add", "list", "disable", "enable", "role", "reset-password"]
    )
    user.add_argument("username", nargs="?")
    user.add_argument("--role", choices=["viewer", "service_manager", "data_team", "admin"])
    user.add_argument("--areas", help="service areas, separated by ; (service managers)")
    user.add_argument("--name", help="display name")
    user.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    user.add_argument("--user", help="who is making the change (for the audit log)")
    demo = add("demo", "build the embedded demo store")
    demo.add_argument("--force", action="store_true", help="rebuild even if it exists")
    export_cli.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return EXIT_OK if exit_.code in (0, None) else EXIT_USAGE
    if not args.command:
        parser.print_help(out)
        return EXIT_USAGE
    if not args.debug:
        # The fast reader reports a cell no date can hold by panicking (caught and explained as
        # a problem); Rust would print its stack to the terminal first. Read at the first panic.
        os.environ["RUST_BACKTRACE"] = "0"
    try:
        return COMMANDS[args.command](args, out)
    except KeyboardInterrupt:
        sys.stderr.write("mtm: interrupted; nothing was published\n")
        return EXIT_USAGE
    except Exception as exc:
        if args.debug:
            raise
        sys.stderr.write(f"mtm {args.command}: {_explain(exc)}\n")
        return EXIT_USAGE


def _explain(exc: Exception) -> str:
    from loaders.ingest import BenchmarkFileError
    from loaders.publish import LoadInProgress, PublishFailed

    if isinstance(
        exc, UsageError | SettingsError | BenchmarkFileError | LoadInProgress | PublishFailed
    ):
        return str(exc)
    if isinstance(exc, PermissionError):
        return f"permission denied: {exc.filename or exc}"
    if isinstance(exc, OSError):
        return f"{exc.strerror or exc} ({exc.filename or ''})"
    return f"unexpected error ({type(exc).__name__}: {escape(str(exc), 200)}); run with --debug"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
