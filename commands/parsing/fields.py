"""The ``name:value`` fields of ``add`` and ``goal add`` (and the filters of ``list``)."""

from __future__ import annotations

from commands.parsing.text import (
    USER,
    closest,
    collapse,
    fail,
    mention_needed,
    plain,
    ref,
    shown,
    team_key,
)
from commands.parsing.tokens import Token
from core.kinds import DIRECTION_ALIASES, Cadence, Direction, Indicator, parse_enum

KPI_FIELDS: tuple[str, ...] = (
    "key",
    "name",
    "team",
    "goal",
    "owner",
    "unit",
    "target",
    "baseline",
    "band",
    "cadence",
    "direction",
    "indicator",
    "decision",
    "definition",
)
GOAL_FIELDS: tuple[str, ...] = ("key", "title", "deadline", "parent", "team", "description")
KPI_FIELD_ALIASES = {"title": "name", "def": "definition", "dir": "direction"}
GOAL_FIELD_ALIASES = {"name": "title", "desc": "description", "due": "deadline"}
LIST_FIELDS: tuple[str, ...] = ("team", "owner", "goal")
FIELD_EXAMPLES = {
    "key": "key:pipeline",
    "name": 'name:"Qualified pipeline"',
    "title": 'title:"Grow ARR to $12M"',
    "team": "team:sales",
    "goal": "goal:pipeline-h1",
    "parent": "parent:company",
    "owner": "owner:@alice",
    "unit": "unit:USD",
    "target": "target:4M",
    "baseline": "baseline:1.5M",
    "band": "band:90-110",
    "cadence": "cadence:weekly",
    "direction": "direction:up",
    "indicator": "indicator:leading",
    "decision": 'decision:"Hire two AEs if below 80%"',
    "definition": 'definition:"Sum of open qualified opportunities"',
    "deadline": "deadline:2027-12-31",
    "description": 'description:"Why this goal matters"',
}


def _field_value(name: str, source: str, topic: str) -> str:
    if name == "owner":
        user = USER.fullmatch(source.strip())
        if user is None:
            raise mention_needed("The owner", source, "owner:@alice", topic)
        return user.group(1)
    if name in ("key", "goal", "parent"):
        return ref(plain(source))
    if name == "team":
        return team_key(source)
    text = collapse(plain(source))
    try:
        if name == "cadence":
            return parse_enum(Cadence, text)
        if name == "direction":
            return parse_enum(Direction, text, DIRECTION_ALIASES)
        if name == "indicator":
            return parse_enum(Indicator, text)
    except ValueError as error:
        raise fail(f"{name}: {error}. Example: `{FIELD_EXAMPLES[name]}`", topic) from error
    return text


def read_fields(
    tokens: list[Token],
    allowed: tuple[str, ...],
    aliases: dict[str, str],
    command: str,
    topic: str,
) -> tuple[dict[str, str], list[Token]]:
    """The `name:value` fields among `tokens`, and the other tokens in order."""
    fields: dict[str, str] = {}
    others: list[Token] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        i += 1
        if token.key is None:
            others.append(token)
            continue
        name = aliases.get(token.key, token.key)
        if name not in allowed:
            guess = closest(token.key, list(allowed) + list(aliases))
            hint = f" Did you mean `{aliases.get(guess, guess)}:`?" if guess else ""
            raise fail(
                f"`{command}` has no field `{shown(token.key)}`.{hint} "
                f"Fields: {', '.join(allowed)}.",
                topic,
            )
        source, quoted = token.value, token.value_quoted
        if not source and not quoted and i < len(tokens) and tokens[i].key is None:
            source, quoted = tokens[i].source, tokens[i].quoted  # `team: sales`
            i += 1
        if not source.strip():
            example = FIELD_EXAMPLES.get(name, f"{name}:…")
            raise fail(f"`{name}` needs a value, like `{example}`.", topic)
        if name in fields:
            raise fail(f"`{name}` is given twice; give it once.", topic)
        fields[name] = _field_value(name, source, topic)
    return fields, others


def add_fields(
    tokens: list[Token],
    allowed: tuple[str, ...],
    aliases: dict[str, str],
    name_field: str,
    command: str,
    topic: str,
) -> dict[str, str]:
    """Fields of `add`/`goal add`: the first unquoted word is the key, the other words the name."""
    fields, words = read_fields(tokens, allowed, aliases, command, topic)
    if words and "key" not in fields and not words[0].quoted:
        fields["key"] = ref(words[0].text)
        words = words[1:]
    if words:
        if name_field in fields:
            raise fail(f"`{name_field}` is given twice; give it once.", topic)
        fields[name_field] = " ".join(word.text for word in words)
    return fields
