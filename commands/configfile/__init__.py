"""Config as code: `kpibot import FILE.yml` and `kpibot export`.

One YAML file describes teams, goals, KPIs, optional V2MOMs and optional people::

    teams:
      - {key: sales, name: Sales, channel: C0SALES01, timezone: America/New_York, lead: U0LEAD001}
    goals:
      - {key: grow-arr, title: Grow ARR to $12M, deadline: 2027-12-31}
      - {key: pipeline-h1, title: Build a $4M pipeline in H1, parent: grow-arr, team: sales}
    kpis:
      - {key: pipeline, name: Qualified pipeline, team: sales, goal: pipeline-h1,
         owner: U0ALICE01, unit: USD, direction: up, target: 4M, baseline: 1500000,
         cadence: weekly, indicator: leading}
    v2mom:
      - {team: sales, vision: ..., values: ..., methods: ..., obstacles: ...}
    people:
      - {id: U0ALICE01, name: Alice, timezone: Europe/Berlin}

How an import behaves:

* Entities are matched by their key (teams, goals, KPIs), by their team (V2MOMs) or by their
  Slack user ID (people). A key not in the database is created; a known one is updated.
* Each team, goal, KPI and V2MOM entry describes its entity completely: an optional field left
  out is cleared (a KPI's direction falls back to ``up``, its indicator to ``lagging``, ``active``
  to true). People are the exception: only the fields given are set, because kpibot also
  learns names and timezones from Slack.
* Import never deletes. Teams, goals and KPIs missing from the file are left as they are; retire
  a KPI with ``active: false`` and archive a goal with ``archived: true``.
* Importing the same file twice changes nothing the second time: no writes, no audit events.
* The whole file is checked before anything is written (:func:`load_config` / :func:`parse_config`
  check the file on its own, :func:`apply_config` checks references against the database), and
  every problem is reported at once with its file and line. :func:`apply_config` writes inside
  the caller's transaction, so a failure leaves nothing half-written.
* Owners and leads get a person row if they have none yet.

:func:`export_config` writes the same format back, so export, import into an empty database and
export again gives identical text. Files are read with PyYAML's safe loader only, and files over
5 MB are refused.

The modules, one job each:

* :mod:`.errors`: :class:`ConfigError` and collecting every problem with its ``file:line``.
* :mod:`.parsers`: one YAML node to one checked field value.
* :mod:`.schema`: the sections, their fields, required fields and defaults; :class:`ConfigSpec`.
* :mod:`.reader`: YAML text to a :class:`ConfigSpec` (:func:`load_config`, :func:`parse_config`).
* :mod:`.validate`: checks across fields and entries: KPI rules, unique keys, references, cycles.
* :mod:`.state`: the database as import and export see it, rows as file fields.
* :mod:`.apply`: writes and audit events (:func:`apply_config`, :class:`ImportSummary`).
* :mod:`.export`: :func:`export_config`.
"""

from __future__ import annotations

from .apply import ImportSummary, apply_config
from .errors import ConfigError
from .export import export_config
from .parsers import SLUG_RULE, Parser
from .reader import MAX_CONFIG_BYTES, load_config, parse_config
from .schema import ConfigSpec, Entry

__all__ = [
    "MAX_CONFIG_BYTES",
    "SLUG_RULE",
    "ConfigError",
    "ConfigSpec",
    "Entry",
    "ImportSummary",
    "Parser",
    "apply_config",
    "export_config",
    "load_config",
    "parse_config",
]
