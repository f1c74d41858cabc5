"""The config file's pull-source fields of a KPI: `source:`, `confirm:` and `pull_after:`.

Kept apart from the other KPI fields: parsers, how they are stored on the Kpi row, and how
they are read back for export and for comparing an import with the database.

    - key: pipeline
      source: {sql: {url_env: WAREHOUSE_URL, query: "select sum(amount) from deals ..."}}
      confirm: true        # the owner confirms each pulled value (default false)
      pull_after: 2h       # after the period closes (default 2h)
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from core import clock_text
from core.sources import SourceError, parse_source, source_fields
from storage.models import Kpi

from .errors import Bad
from .parsers import INT, NULL, check_tag

DEFAULT_PULL_AFTER = timedelta(hours=2)
MAX_PULL_AFTER = timedelta(days=30)


def _plain(node: Node) -> Any:
    """A YAML node as plain data: mappings, lists, text and whole numbers only."""
    check_tag(node)
    if isinstance(node, MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            out[str(_plain(key_node))] = _plain(value_node)
        return out
    if isinstance(node, SequenceNode):
        return [_plain(item) for item in node.value]
    assert isinstance(node, ScalarNode)
    if node.tag == NULL:
        return None
    if node.tag == INT and str(node.value).lstrip("-").isdigit():
        return int(node.value)
    return str(node.value)


def parse_source_field(node: Node) -> dict[str, Any] | None:
    """`source:` checked by core.sources and kept in its canonical form."""
    raw = _plain(node)
    if raw is None:
        return None
    try:
        return source_fields(parse_source(raw))
    except SourceError as exc:
        raise Bad(str(exc).removeprefix("source: ").removeprefix("source.")) from None


def parse_pull_after(node: Node) -> str | None:
    check_tag(node)
    if not isinstance(node, ScalarNode):
        raise Bad("expected a duration like 2h, 30m or 1d")
    if node.tag == NULL or not str(node.value).strip():
        return None
    try:
        duration = clock_text.parse_duration(str(node.value))
    except ValueError as exc:
        raise Bad(str(exc)) from None
    if duration > MAX_PULL_AFTER:
        raise Bad(
            f"'{node.value}' is too long; at most {clock_text.format_duration(MAX_PULL_AFTER)}"
        )
    return clock_text.format_duration(duration)


def kpi_source_fields(kpi: Kpi) -> dict[str, Any]:
    """The pull fields of a stored KPI, as an import would write them (None: left out)."""
    minutes = kpi.pull_after_minutes
    return {
        "source": json.loads(kpi.source_spec) if kpi.source_spec else None,
        "confirm": bool(kpi.confirm_pulls),
        "pull_after": (
            clock_text.format_duration(timedelta(minutes=minutes)) if minutes is not None else None
        ),
    }


def set_kpi_source(kpi: Kpi, desired: dict[str, Any] | Any) -> None:
    source = desired.get("source")
    kpi.source_spec = json.dumps(source, sort_keys=True) if source else None
    kpi.confirm_pulls = bool(desired.get("confirm"))
    after = desired.get("pull_after")
    kpi.pull_after_minutes = (
        int(clock_text.parse_duration(after).total_seconds() // 60) if after else None
    )


def pull_after(kpi: Kpi) -> timedelta:
    minutes = kpi.pull_after_minutes
    return DEFAULT_PULL_AFTER if minutes is None else timedelta(minutes=minutes)
