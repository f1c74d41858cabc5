"""`kpibot tokens create|list|revoke`: API tokens for /api/v1, managed by the operator.

A new token is printed once, on standard output alone (so it can be piped into a secret store);
kpibot keeps only its hash and cannot show it again.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from bot.settings import Settings
from commands.api_tokens import create_token, list_tokens, revoke_token
from commands.context import Context
from storage.db import session_scope

CLI_ACTOR = "cli"
TokensRun = Callable[[argparse.Namespace, Settings], int]


def add_parser(sub: Any, run: TokensRun) -> None:
    tokens = sub.add_parser("tokens", help="create, list and revoke API tokens for /api/v1")
    tokens_sub = tokens.add_subparsers(title="tokens commands", metavar="COMMAND")
    create = tokens_sub.add_parser("create", help="create a token and print it once")
    create.add_argument("--name", required=True, help="a name like crm-sync (shown on values)")
    create.add_argument(
        "--team", action="append", default=[], metavar="KEY", help="reach this team's KPIs"
    )
    create.add_argument("--kpi", action="append", default=[], metavar="KEY", help="reach this KPI")
    create.add_argument("--read-only", action="store_true", help="read, never write")
    create.set_defaults(run=run, tokens_action="create")
    tokens_sub.add_parser("list", help="list tokens (never the tokens themselves)").set_defaults(
        run=run, tokens_action="list"
    )
    revoke = tokens_sub.add_parser("revoke", help="revoke a token at once")
    revoke.add_argument("name")
    revoke.set_defaults(run=run, tokens_action="revoke")


def run(args: argparse.Namespace, settings: Settings, engine: Engine) -> int:
    """Carry out one tokens command; CommandError (nothing written) goes to the caller."""
    from bot.runtime import policy_from  # keeps `kpibot migrate` free of Slack imports

    with session_scope(engine) as session:
        ctx = Context(
            session=session, actor=CLI_ACTOR, now=datetime.now(UTC), policy=policy_from(settings)
        )
        if args.tokens_action == "create":
            issued = create_token(
                ctx, args.name, teams=args.team, kpis=args.kpi, read_only=args.read_only
            )
            print(issued.token)
            print(
                f"Created token '{issued.name}' ({issued.scope.describe()}). It is shown only "
                "this once: store it in the calling system's secrets now.",
                file=sys.stderr,
            )
        elif args.tokens_action == "list":
            _print_list(ctx)
        else:
            if revoke_token(ctx, args.name):
                print(f"Revoked token '{args.name}': requests with it now get 401.")
            else:
                print(f"Token '{args.name}' was already revoked.")
    return 0


def _print_list(ctx: Context) -> None:
    tokens = list_tokens(ctx)
    if not tokens:
        print("No API tokens yet: create one with `kpibot tokens create --name NAME`.")
        return
    for t in tokens:
        state = f"revoked {t.revoked_at:%Y-%m-%d}" if t.revoked_at else "active"
        used = f"last used {t.last_used_at:%Y-%m-%d %H:%M} UTC" if t.last_used_at else "never used"
        print(f"{t.name}\t{t.hint}…\t{state}\t{t.scope.describe()}\t{used}")
