"""Choices offered in forms (modals): teams and goals, by key."""

from __future__ import annotations

from dataclasses import dataclass

from commands.context import Context
from storage import repo


@dataclass(frozen=True)
class FormChoices:
    teams: tuple[tuple[str, str], ...]  # (key, name)
    goals: tuple[tuple[str, str], ...]  # (key, title)


def form_choices(ctx: Context) -> FormChoices:
    return FormChoices(
        teams=tuple((t.key, t.name) for t in repo.list_teams(ctx.session)),
        goals=tuple((g.key, g.title) for g in repo.list_goals(ctx.session)),
    )
