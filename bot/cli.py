"""The `kpibot` command line: serve, migrate, import/export, and checks for operators."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from bot.api import cli as tokens_cli
from bot.digests import cli as digest_cli
from bot.server import NotConfigured
from bot.settings import Settings, SettingsError, load_settings
from bot.sources import cli as sources_cli
from storage.db import SchemaBehind, ensure_current, make_engine, migrate, session_scope

CLI_ACTOR = "cli"


class CliError(Exception):
    """A failure the operator can fix; printed as one message, exit status 2."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    try:
        settings = load_settings()
        logging.basicConfig(
            level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        result: int = args.run(args, settings)
        return result
    except (SettingsError, SchemaBehind, CliError, NotConfigured) as exc:
        print(f"kpibot: {exc}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kpibot", description="kpibot: company goals and KPIs, run in Slack."
    )
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    serve = sub.add_parser("serve", help="run the Slack app (HTTP on PORT, or Socket Mode)")
    serve.add_argument("--no-scheduler", action="store_true", help="do not run scheduled work")
    serve.set_defaults(run=_serve)

    local = sub.add_parser(
        "local", help="try kpibot without Slack: a local workspace with a demo company"
    )
    local.add_argument("--port", type=int, default=3100, help="the page's port (default 3100)")
    local.add_argument("--no-browser", action="store_true", help="do not open a browser")
    local.add_argument(
        "--fresh", action="store_true", help="delete the local database and seed the demo again"
    )
    local.set_defaults(run=_local)

    sub.add_parser("migrate", help="create or upgrade the database schema").set_defaults(
        run=_migrate
    )

    imp = sub.add_parser("import", help="create or update teams, goals and KPIs from YAML")
    imp.add_argument("file", type=Path)
    imp.add_argument("--dry-run", action="store_true", help="validate and report, write nothing")
    imp.set_defaults(run=_import_config)

    exp = sub.add_parser("export", help="write teams, goals and KPIs as YAML")
    exp.add_argument("--out", type=Path, help="file to write (default: standard output)")
    exp.set_defaults(run=_export_config)

    values = sub.add_parser("values", help="backfill or export KPI values as CSV")
    values_sub = values.add_subparsers(title="values commands", metavar="COMMAND")
    vimp = values_sub.add_parser("import", help="backfill values from kpi,period,value,note CSV")
    vimp.add_argument("file", type=Path)
    vimp.set_defaults(run=_import_values)
    vexp = values_sub.add_parser("export", help="write every value as CSV")
    vexp.add_argument("--out", type=Path, help="file to write (default: standard output)")
    vexp.set_defaults(run=_export_values)

    check = sub.add_parser(
        "check", help="check focus and alignment rules; exit 1 when a rule is broken"
    )
    check.add_argument("--team", help="only this team's KPIs and goals")
    check.set_defaults(run=_check)

    jobs = sub.add_parser("jobs", help="run scheduled work by hand")
    jobs_sub = jobs.add_subparsers(title="jobs commands", metavar="COMMAND")
    run_job = jobs_sub.add_parser(
        "run", help="run one job (reminders, digests, reviews) once as of now or --now, then exit"
    )
    run_job.add_argument("job", help="the job to run: reminders, digests or reviews")
    run_job.add_argument(
        "--now",
        type=_moment,
        help="run as of this moment, ISO-8601 with an offset (2026-11-30T15:00:00Z)",
    )
    run_job.set_defaults(run=_run_job)
    digest_cli.add_parser(sub, _render_digest, _moment)
    tokens_cli.add_parser(sub, _tokens)
    sources_cli.add_parser(sub, _sources)
    return parser


def _now() -> datetime:
    return datetime.now(UTC)


def _engine(settings: Settings, *, require_current: bool = True) -> Engine:
    engine = make_engine(settings.database_url)
    if require_current:
        ensure_current(engine)
    return engine


def _write(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
        print(f"Wrote {out}", file=sys.stderr)


def _migrate(args: argparse.Namespace, settings: Settings) -> int:
    before, after = migrate(_engine(settings, require_current=False))
    if before == after:
        print(f"Database schema is up to date ({after}).")
    else:
        print(f"Database schema migrated from {before or 'empty'} to {after}.")
    return 0


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from bot.server import serve  # keeps `kpibot migrate` free of Slack imports

    engine = _engine(settings)
    serve(settings, engine, scheduler=not args.no_scheduler)
    return 0


def _local(args: argparse.Namespace, settings: Settings) -> int:
    from bot.local.run import run_local  # keeps other commands free of the local workspace

    try:
        return run_local(
            settings, port=args.port, open_browser=not args.no_browser, fresh=args.fresh
        )
    except ValueError as exc:
        raise CliError(str(exc)) from None


def _import_config(args: argparse.Namespace, settings: Settings) -> int:
    from commands.configfile import ConfigError, apply_config, load_config

    try:
        spec = load_config(args.file)
        engine = _engine(settings)
        with session_scope(engine) as session:
            summary = apply_config(session, spec, actor=CLI_ACTOR, now=_now())
            if args.dry_run:
                session.rollback()
    except ConfigError as exc:
        raise CliError(f"nothing was imported.\n{exc}") from None
    for line in summary.lines():
        print(line)
    if args.dry_run:
        print("Dry run: nothing was written.")
    return 0


def _export_config(args: argparse.Namespace, settings: Settings) -> int:
    from commands.configfile import export_config

    with session_scope(_engine(settings)) as session:
        _write(export_config(session), args.out)
    return 0


def _import_values(args: argparse.Namespace, settings: Settings) -> int:
    from commands.values_file import ValuesFileError, import_values

    try:
        with session_scope(_engine(settings)) as session:
            summary = import_values(session, args.file, actor=CLI_ACTOR, now=_now())
    except ValuesFileError as exc:
        raise CliError(f"nothing was imported.\n{exc}") from None
    print(
        f"{summary.written} values written, {summary.replaced} replaced an earlier value "
        f"(kept in history), {summary.unchanged} unchanged."
    )
    return 0


def _export_values(args: argparse.Namespace, settings: Settings) -> int:
    from commands.values_file import export_values

    with session_scope(_engine(settings)) as session:
        _write(export_values(session), args.out)
    return 0


def _check(args: argparse.Namespace, settings: Settings) -> int:
    from bot.runtime import policy_from
    from commands.alignment import alignment_report

    engine = _engine(settings)
    try:
        with session_scope(engine) as session:
            report = alignment_report(
                session, policy=policy_from(settings), team_key=args.team, now=_now()
            )
    except LookupError as exc:
        raise CliError(str(exc)) from None
    finally:
        engine.dispose()
    for line in report.lines():
        print(line)
    return 1 if report.broken else 0


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not an ISO-8601 moment; expected one like 2026-11-30T15:00:00Z"
        ) from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(
            f"'{text}' has no UTC offset; add one, like 2026-11-30T10:00:00-05:00 or ...Z"
        )
    return moment.astimezone(UTC)


def _run_job(args: argparse.Namespace, settings: Settings) -> int:
    from bot.jobs import registry  # keeps other commands free of Slack imports
    from bot.runtime import Runtime
    from bot.slack_client import make_client

    jobs = registry()
    job = jobs.get(args.job)
    if job is None:
        raise CliError(f"there is no job '{args.job}'; jobs: {', '.join(sorted(jobs))}.")
    if settings.slack_bot_token is None:
        raise CliError(
            "jobs talk to Slack: set SLACK_BOT_TOKEN (see README: Create the Slack app)."
        )
    now: datetime = args.now or _now()
    engine = _engine(settings)
    try:
        runtime = Runtime(
            settings=settings, engine=engine, client=make_client(settings), clock=lambda: now
        )
        print(job(runtime, now))
    finally:
        engine.dispose()  # close pooled connections now, not whenever they are collected
    return 0


def _render_digest(args: argparse.Namespace, settings: Settings) -> int:
    engine = _engine(settings)
    try:
        written = digest_cli.run_render(args, settings, engine)
    except LookupError as exc:
        raise CliError(str(exc)) from None
    finally:
        engine.dispose()
    for path in written:
        print(f"Wrote {path}")
    return 0


def _tokens(args: argparse.Namespace, settings: Settings) -> int:
    from commands.context import CommandError

    if not hasattr(args, "tokens_action"):
        raise CliError("say what to do: kpibot tokens create|list|revoke (see --help).")
    engine = _engine(settings)
    try:
        return tokens_cli.run(args, settings, engine)
    except CommandError as exc:
        raise CliError(exc.message + (f" {exc.hint}" if exc.hint else "")) from None
    finally:
        engine.dispose()


def _sources(args: argparse.Namespace, settings: Settings) -> int:
    from commands.context import CommandError

    if not hasattr(args, "sources_action"):
        raise CliError("say what to do: kpibot sources test KPI [--period P] (see --help).")
    engine = _engine(settings)
    try:
        return sources_cli.run(args, settings, engine)
    except CommandError as exc:
        raise CliError(exc.message + (f" {exc.hint}" if exc.hint else "")) from None
    finally:
        engine.dispose()


if __name__ == "__main__":
    raise SystemExit(main())
