"""``add``, ``edit``, ``owner``, ``retire``, ``list``, ``mine`` and ``show``: KPIs themselves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TypeAlias

from commands.parsing.fields import (
    KPI_FIELD_ALIASES,
    KPI_FIELDS,
    LIST_FIELDS,
    add_fields,
    read_fields,
)
from commands.parsing.text import fail, mention_needed, team_key
from commands.parsing.tokens import Scanner, free_text, no_more, reference, user_id


@dataclass(frozen=True)
class KpiAdd:
    fields: dict[str, str] | None  # None: open the modal
    force: bool = False


@dataclass(frozen=True)
class KpiEdit:
    key: str


@dataclass(frozen=True)
class KpiOwner:
    key: str
    user_id: str


@dataclass(frozen=True)
class KpiRetire:
    key: str
    reason: str | None = None


@dataclass(frozen=True)
class ListKpis:
    team: str | None = None
    owner: str | None = None  # a Slack user ID
    goal: str | None = None


@dataclass(frozen=True)
class Mine:
    pass


@dataclass(frozen=True)
class Show:
    key: str
    share: bool = False


KpiCommand: TypeAlias = KpiAdd | KpiEdit | KpiOwner | KpiRetire | ListKpis | Mine | Show

_FORCE_FLAGS = ("--force",)


def parse_add(scanner: Scanner, today: date) -> KpiCommand:
    tokens = scanner.rest()
    force = False
    kept = []
    for n, token in enumerate(tokens):
        last = n == len(tokens) - 1
        if token.key is None and (token.word in _FORCE_FLAGS or (last and token.word == "force")):
            force = True
        else:
            kept.append(token)
    fields = add_fields(kept, KPI_FIELDS, KPI_FIELD_ALIASES, "name", "add", "add")
    return KpiAdd(fields or None, force=force)


def parse_edit(scanner: Scanner, today: date) -> KpiCommand:
    return KpiEdit(reference(scanner.rest(), "edit", "/kpi edit pipeline", "edit"))


def parse_owner(scanner: Scanner, today: date) -> KpiCommand:
    tokens = scanner.rest()
    if not tokens:
        raise fail("`owner` needs a KPI and an @-mention of the new owner.", "owner")
    user = user_id(tokens[-1])
    if user is None:
        if len(tokens) == 1:
            raise fail("`owner` needs a KPI and an @-mention of the new owner.", "owner")
        example = "/kpi owner pipeline @bob"
        raise mention_needed("The new owner", tokens[-1].source, example, "owner")
    if len(tokens) == 1:
        raise fail("`owner` needs the KPI before the new owner.", "owner")
    if any(user_id(token) for token in tokens[:-1]):
        raise fail("`owner` takes one KPI and one new owner.", "owner")
    key = reference(tokens[:-1], "owner", "/kpi owner pipeline @bob", "owner")
    return KpiOwner(key, user)


def parse_retire(scanner: Scanner, today: date) -> KpiCommand:
    token = scanner.take()
    key = reference([token] if token else [], "retire", "/kpi retire pipeline", "retire")
    return KpiRetire(key, free_text(scanner.raw_rest(), "reason", "retire"))


def parse_list(scanner: Scanner, today: date) -> KpiCommand:
    fields, words = read_fields(scanner.rest(), LIST_FIELDS, {}, "list", "list")
    for word in words:
        user = user_id(word)
        name, value = ("owner", user) if user else ("team", team_key(word.source))
        if name in fields:
            raise fail(f"`list` takes one {name}, but got more.", "list")
        fields[name] = value
    return ListKpis(fields.get("team"), fields.get("owner"), fields.get("goal"))


def parse_mine(scanner: Scanner, today: date) -> KpiCommand:
    no_more(scanner.rest(), "/kpi mine", "mine")
    return Mine()


def parse_show(scanner: Scanner, today: date) -> KpiCommand:
    tokens = scanner.rest()
    share = len(tokens) > 1 and tokens[-1].word in ("share", "public", "--share", "--public")
    if share:
        tokens = tokens[:-1]
    return Show(reference(tokens, "show", "/kpi show pipeline", "show"), share=share)
