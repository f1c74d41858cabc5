"""From a parsed `/kpi` command to its use case (its registry entry's handler) and back."""

from __future__ import annotations

from commands.context import Context
from commands.registry import Command, entry_for
from commands.results import Result


def run(ctx: Context, command: Command, *, channel_id: str | None = None) -> Result:
    """Carry out one command inside the caller's transaction."""
    return entry_for(command).handle(ctx, command, channel_id)
