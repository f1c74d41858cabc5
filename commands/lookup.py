"""Finding what the user means: KPIs by key or by a close name, goals and teams by key."""

from __future__ import annotations

import difflib

from commands.context import CommandError, Context
from commands.text import esc
from storage import repo
from storage.models import Goal, Kpi, Team


class Ambiguous(CommandError):
    """Several KPIs match. Callers that can offer a choice catch it; elsewhere the message
    lists the keys to use instead."""

    def __init__(self, ref: str, candidates: tuple[Kpi, ...]) -> None:
        keys = ", ".join(f"`{k.key}`" for k in candidates)
        super().__init__(
            f"Several KPIs match “{esc(ref)}”: {keys}.", hint="Use the key of the one you mean."
        )
        self.candidates = candidates


def _norm(text: str) -> str:
    return " ".join(text.lower().replace("_", " ").replace("-", " ").split())


def exact_kpi(ctx: Context, ref: str) -> Kpi | None:
    """The active KPI whose key or whole name is `ref`, or None: no guessing."""
    kpi = repo.get_kpi(ctx.session, ref.strip().lower())
    if kpi is not None and kpi.active:
        return kpi
    wanted = _norm(ref)
    pool = repo.list_kpis(ctx.session, repo.KpiFilter(active=True))
    exact = [k for k in pool if _norm(k.name) == wanted or _norm(k.key) == wanted]
    return exact[0] if len(exact) == 1 else None


def find_kpi(ctx: Context, ref: str, *, include_retired: bool = False) -> Kpi:
    """The KPI `ref` names: its key, its exact name, a unique part of its name, or a close
    match. Raises Ambiguous when several fit, CommandError with suggestions when none does."""
    kpi = repo.get_kpi(ctx.session, ref.strip().lower())
    if kpi is not None and (kpi.active or include_retired):
        return kpi
    pool = repo.list_kpis(ctx.session, repo.KpiFilter(active=None if include_retired else True))
    wanted = _norm(ref)
    exact = [k for k in pool if _norm(k.name) == wanted or _norm(k.key) == wanted]
    if len(exact) == 1:
        return exact[0]
    partial = exact or [k for k in pool if wanted and wanted in _norm(k.name)]
    if len(partial) == 1:
        return partial[0]
    if len(partial) > 1:
        raise Ambiguous(ref, tuple(partial[:10]))
    names = {_norm(k.name): k for k in pool} | {k.key: k for k in pool}
    close = difflib.get_close_matches(wanted, list(names), n=5, cutoff=0.6)
    suggestions = list(dict.fromkeys(names[c].key for c in close))
    if kpi is not None:  # retired
        raise CommandError(
            f"KPI `{kpi.key}` is retired.",
            hint="Retired KPIs keep their history but take no new values.",
        )
    hint = (
        "Did you mean " + ", ".join(f"`{s}`" for s in suggestions) + "?"
        if suggestions
        else "See every KPI with `/kpi list`."
    )
    raise CommandError(f"No KPI matches “{esc(ref)}”.", hint=hint)


def find_goal(ctx: Context, key: str) -> Goal:
    goal = repo.get_goal(ctx.session, key.strip().lower())
    if goal is not None:
        return goal
    close = _close(key, [g.key for g in repo.list_goals(ctx.session)])
    hint = f"Did you mean {close}?" if close else "See the goals with `/kpi goal list`."
    raise CommandError(f"No goal has the key `{esc(key)}`.", hint=hint)


def find_team(ctx: Context, key: str) -> Team:
    team = repo.get_team(ctx.session, key.strip().lower())
    if team is not None:
        return team
    keys = [t.key for t in repo.list_teams(ctx.session)]
    close = _close(key, keys)
    if close:
        hint = f"Did you mean {close}?"
    elif keys:
        hint = "Teams: " + ", ".join(f"`{k}`" for k in keys[:8]) + "."
    else:
        hint = "There are no teams yet: an admin adds them with `kpibot import`."
    raise CommandError(f"No team has the key `{esc(key)}`.", hint=hint)


def resolve_team(
    ctx: Context, key: str | None, channel_id: str | None, *, example: str, what: str = "team"
) -> Team:
    """The team a team command is about: the one named, else the channel's, else the only
    team the caller leads. `example` shows how to name one when none of those is clear."""
    if key:
        return find_team(ctx, key)
    if channel_id:
        team = repo.team_for_channel(ctx.session, channel_id)
        if team is not None:
            return team
    led = repo.teams_led_by(ctx.session, ctx.actor)
    if len(led) == 1:
        return led[0]
    raise CommandError(
        f"Which {what}? This channel belongs to no team"
        + (", and you lead several." if led else "."),
        hint=f"Name it: `{example}`.",
    )


def _close(key: str, keys: list[str]) -> str:
    """Up to three keys close to `key`, as "`a`, `b`", or "" when none is."""
    close = difflib.get_close_matches(key.strip().lower(), keys, n=3, cutoff=0.6)
    return ", ".join(f"`{c}`" for c in close)
