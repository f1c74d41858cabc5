"""`kpibot sources test KPI [--period P]`: run one KPI's source and print what it would store.

Nothing is written: the operator checks a query, URL or cell before the scheduler runs it.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from bot.settings import Settings
from commands.context import Context
from commands.sources import try_source
from storage.db import session_scope

SourcesRun = Callable[[argparse.Namespace, Settings], int]


def add_parser(sub: Any, run: SourcesRun) -> None:
    sources = sub.add_parser("sources", help="check the sources pulled values come from")
    sources_sub = sources.add_subparsers(title="sources commands", metavar="COMMAND")
    test = sources_sub.add_parser(
        "test", help="run one KPI's source and print what it would store, without storing"
    )
    test.add_argument("kpi", help="the KPI's key")
    test.add_argument(
        "--period", help="the period to pull, like 2026-W49 (default: the last closed one)"
    )
    test.set_defaults(run=run, sources_action="test")


def run(args: argparse.Namespace, settings: Settings, engine: Engine) -> int:
    """Pull once and print the outcome; CommandError (nothing written) goes to the caller."""
    from bot.runtime import policy_from  # keeps `kpibot migrate` free of Slack imports

    with session_scope(engine) as session:
        ctx = Context(
            session=session, actor="cli", now=datetime.now(UTC), policy=policy_from(settings)
        )
        pulled = try_source(ctx, args.kpi, args.period)
        session.rollback()  # a test pull never writes, whatever it touched
    print(pulled.describe(stored=False))
    return 0
