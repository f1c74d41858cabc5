"""What use cases return: plain data describing a reply. The bot turns it into Block Kit."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from charts.series import KpiSeries
from core.digest import ActionItem, DigestGoal, MissingValue, StatusCounts
from core.health import Finding, Severity
from core.kinds import Status, Trend

Tone = Literal["ok", "info", "warn", "error"]


@dataclass(frozen=True)
class Notice:
    text: str
    tone: Tone = "info"
    details: tuple[str, ...] = ()


@dataclass(frozen=True)
class KpiRow:
    key: str
    name: str
    owner: str
    team: str | None
    goal: str | None
    cadence: str
    indicator: str
    latest: str | None  # formatted value, with unit
    latest_period: str | None  # label of the period it belongs to
    target: str  # formatted target or band
    status: Status
    trend: Trend
    reason: str
    active: bool = True
    reporting: str | None = None  # "late" or "owner away" when a value is overdue
    computed: bool = False  # a formula KPI: worked out from others, never logged by hand


@dataclass(frozen=True)
class KpiTable:
    title: str
    rows: tuple[KpiRow, ...]
    empty_hint: str


@dataclass(frozen=True)
class KpiCard:
    row: KpiRow
    definition: str | None
    decision: str | None
    direction: str
    baseline: str | None
    history: tuple[tuple[str, str], ...]  # (period label, value), newest first
    chart: KpiSeries
    shared: bool = False
    via_tokens: tuple[str | None, ...] = ()  # per history entry: the API token that sent it
    projection: str | None = None  # "projected $3.4M by 30 Jun 2027 — misses $4M by 15 % …"
    targets: str | None = None  # the targets by period, when they vary
    formula: str | None = None  # "won / opportunities * 100" for a computed KPI
    missing: str | None = None  # "needs a value of 'won' for 2026-W49"


@dataclass(frozen=True)
class GoalNode:
    key: str
    title: str
    depth: int
    team: str | None
    deadline: date | None
    status: Status
    kpi_count: int


@dataclass(frozen=True)
class GoalTree:
    nodes: tuple[GoalNode, ...]


@dataclass(frozen=True)
class GoalCard:
    node: GoalNode
    description: str | None
    parent: str | None
    children: tuple[GoalNode, ...]
    kpis: tuple[KpiRow, ...]
    advice: tuple[str, ...]


@dataclass(frozen=True)
class Choose:
    """Several KPIs match what the user typed: let them pick, then carry on with `action`."""

    prompt: str
    options: tuple[tuple[str, str], ...]  # (kpi key, label)
    action: Literal["log", "show"]
    carry: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OpenModal:
    modal: Literal["goal_add", "kpi_add", "kpi_edit", "v2mom_edit", "log_value"]
    initial: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ValueLogged:
    kpi_key: str
    kpi_name: str
    period_key: str
    period_label: str
    value: str
    replaced: str | None  # the value this one replaced, formatted
    unchanged: bool
    status: Status
    reason: str
    note: str | None
    # The status is the KPI's, from its latest value. When that is another period's (a past
    # period was logged), these say which, so the line is not read as this value's status.
    status_period_label: str | None = None
    status_value: str | None = None


@dataclass(frozen=True)
class V2momView:
    team_key: str
    team_name: str
    vision: str | None
    values: str | None
    methods: str | None
    obstacles: str | None
    measures: tuple[KpiRow, ...]
    can_edit: bool


@dataclass(frozen=True)
class OpenActionItem:
    """An open action item, as people see it."""

    id: int
    text: str  # as typed: escape it before putting it in mrkdwn
    owner: str  # Slack user ID
    due: date | None
    team_key: str | None
    kpi_key: str | None
    kpi_name: str | None
    created_at: datetime

    def overdue(self, today: date) -> bool:
        return self.due is not None and self.due < today


@dataclass(frozen=True)
class TeamDigest:
    team_key: str
    team_name: str
    channel_id: str | None
    lead: str | None
    week_key: str  # the reviewed week, e.g. 2026-W47
    week_label: str  # "week 47 (16-22 Nov 2026)"
    moment: datetime  # as of when
    timezone: str
    counts: StatusCounts
    goals: tuple[DigestGoal, ...]
    missing: tuple[MissingValue, ...]
    warnings: tuple[str, ...]  # focus and alignment warnings, briefly
    more_warnings: int
    # Open action items agreed in the team's reviews (commands.reviews).
    action_items: tuple[ActionItem, ...]
    series: tuple[KpiSeries, ...]  # one chart panel per KPI, in the order of the rows
    # The team's scorecard up to the reviewed week (phone width), when the team asked for it
    # (``digest: {scorecard: true}``); None otherwise.
    scorecard: str | None = None

    @property
    def chart_title(self) -> str:
        week = self.week_label.split(" (")[0]
        return f"{self.team_name} · {week}"

    @property
    def kpi_count(self) -> int:
        return sum(len(goal.rows) for goal in self.goals)

    def fingerprint(self) -> str:
        """A hash of everything the digest shows; equal fingerprints render the same."""
        text = json.dumps(asdict(self), default=str, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class DigestReady:
    """A team digest built for `/kpi digest`: the bot draws it, then posts or shows it."""

    digest: TeamDigest
    team_id: int
    preview: bool
    channel_id: str | None  # where to post it (None for a preview)


@dataclass(frozen=True)
class ActionList:
    """Open action items (`/kpi actions`), each with a Done button."""

    title: str
    items: tuple[OpenActionItem, ...]
    today: date
    empty_hint: str


@dataclass(frozen=True)
class HealthView:
    """The focus, alignment and relevance findings of a team or the company (`/kpi health`)."""

    scope: str
    findings: tuple[Finding, ...]

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity is Severity.WARNING)

    @property
    def notices(self) -> int:
        return len(self.findings) - self.warnings


@dataclass(frozen=True)
class AlertRow:
    key: str
    name: str
    owner: str
    below: str | None  # the alert levels as shown ("$1M"), None when not set
    above: str | None
    state: str  # "quiet", or what holds and since when ("off track since 2026-W47")


@dataclass(frozen=True)
class AlertList:
    """`/kpi alerts [team]`: the team's KPIs with their alert levels and current state."""

    team_name: str
    channel_alerts: bool
    channel_id: str | None
    rows: tuple[AlertRow, ...]


@dataclass(frozen=True)
class ScorecardView:
    """`/kpi scorecard`: the grid as monospace text (core.scorecard), for a code block."""

    team_name: str
    text: str
    wide: bool


Result = (
    Notice
    | KpiTable
    | KpiCard
    | GoalTree
    | GoalCard
    | Choose
    | OpenModal
    | ValueLogged
    | V2momView
    | DigestReady
    | ActionList
    | HealthView
    | AlertList
    | ScorecardView
)
