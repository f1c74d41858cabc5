"""`/kpi tokens` for admins in Slack: the same use cases as `kpibot tokens`, answered only to
the admin who asked (a new token is shown once, in that ephemeral reply)."""

from __future__ import annotations

from commands.api_tokens import create_token, list_tokens, revoke_token
from commands.context import CommandError, Context
from commands.parsing.api_tokens import TokensCommand, TokensCreate, TokensRevoke
from commands.results import Notice
from commands.text import esc


def tokens(ctx: Context, command: TokensCommand) -> Notice:
    if not ctx.is_admin:
        raise CommandError(
            "Only kpibot admins manage API tokens.",
            hint="Ask an admin (KPIBOT_ADMINS), or your operator: `kpibot tokens`.",
        )
    if isinstance(command, TokensCreate):
        issued = create_token(
            ctx,
            command.name,
            teams=list(command.teams),
            kpis=list(command.kpis),
            read_only=command.read_only,
        )
        return Notice(
            f"Created token *{esc(issued.name)}* ({esc(issued.scope.describe())}):\n"
            f"`{issued.token}`",
            tone="ok",
            details=(
                "It is shown only this once, only to you: store it in the calling system's "
                "secrets now. kpibot keeps only its hash.",
            ),
        )
    if isinstance(command, TokensRevoke):
        if revoke_token(ctx, command.name):
            return Notice(
                f"Revoked token *{esc(command.name)}*: requests with it now get 401.", tone="ok"
            )
        return Notice(f"Token *{esc(command.name)}* was already revoked.")
    listed = list_tokens(ctx)
    if not listed:
        return Notice("No API tokens yet: `/kpi tokens create NAME team:KEY` makes one.")
    lines = [
        f"*{esc(t.name)}* `…{esc(t.hint)}` · {esc(t.scope.describe())} · "
        + (f"revoked {t.revoked_at:%Y-%m-%d}" if t.revoked_at else "active")
        + (
            f" · last used {t.last_used_at:%Y-%m-%d %H:%M} UTC"
            if t.last_used_at
            else " · never used"
        )
        for t in listed
    ]
    return Notice("API tokens:\n" + "\n".join(lines))
