"""Every table kpibot stores (the values API's two are in storage.api_models, the alert state
in storage.alert_models).

Times are stored in UTC and always come back timezone-aware (see `UTCDateTime`), on SQLite as
on PostgreSQL. Slack user IDs are kept as text: people are known by them everywhere.
"""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, Index, String, Text, TypeDecorator, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlmodel import Field, SQLModel

from core.kinds import Cadence, Direction, Indicator

# The API's and the alert state's tables live in their own modules; importing them registers
# them with the rest.
from storage.alert_models import KpiAlertState  # noqa: F401
from storage.api_models import ApiIdempotency, ApiToken  # noqa: F401
from storage.columns import UTCDateTime as UTCDateTime  # re-exported: used by other modules


class EnumText(TypeDecorator[StrEnum]):
    """A StrEnum stored as its plain value: no database enum types to migrate."""

    impl = String(16)
    cache_ok = True

    def __init__(self, kind: type[StrEnum]) -> None:
        super().__init__()
        self.kind = kind

    def process_bind_param(self, value: StrEnum | str | None, dialect: Dialect) -> str | None:
        return None if value is None else self.kind(value).value

    def process_result_value(self, value: str | None, dialect: Dialect) -> StrEnum | None:
        return None if value is None else self.kind(value)


def _enum(kind: type[StrEnum], default: StrEnum) -> Any:
    return Field(default=default, sa_type=EnumText(kind), sa_column_kwargs={"nullable": False})


def _utc(nullable: bool = False) -> Any:
    return Field(sa_type=UTCDateTime, nullable=nullable)


def _text(nullable: bool = True) -> Any:
    return Field(
        default=None if nullable else "", sa_column_kwargs={"nullable": nullable}, sa_type=Text
    )


class Team(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=64)
    name: str = Field(max_length=200)
    channel_id: str | None = Field(default=None, max_length=32)
    timezone: str | None = Field(default=None, max_length=64)
    lead_user_id: str | None = Field(default=None, max_length=32)
    # Reminder settings; None means the operator's default (KPIBOT_... variables).
    reminder_time: time | None = None
    working_hours_start: time | None = None
    working_hours_end: time | None = None
    workdays: str | None = Field(default=None, max_length=7)  # weekday digits, Monday 0: "01234"
    follow_up_minutes: int | None = None
    max_reminders: int | None = None
    # Weekly digest: weekday (Monday 0) and local time; None means Monday 09:00.
    digest_weekday: int | None = None
    digest_time: time | None = None
    # Review meetings: a rule such as "every 2 weeks tue 10:00 from 2026-12-01" (see
    # core.review_cadence), None for none; and how long before a meeting its thread is posted.
    review_schedule: str | None = Field(default=None, max_length=100)
    review_lead_hours: int | None = None  # None means 24
    # Alerts (issue 12): the team channel hears its KPIs' alerts too, only when opted in;
    # the digest appends the team's scorecard when asked.
    alerts_channel: bool = False
    digest_scorecard: bool = False
    created_at: datetime = _utc()
    updated_at: datetime = _utc()


class Person(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slack_user_id: str = Field(unique=True, max_length=32)
    display_name: str | None = Field(default=None, max_length=200)
    timezone: str | None = Field(default=None, max_length=64)
    # When `timezone` was last read from Slack (users.list or a user_change event).
    timezone_checked_at: datetime | None = _utc(nullable=True)
    away_until: date | None = None
    delegate_user_id: str | None = Field(default=None, max_length=32)
    created_at: datetime = _utc()
    updated_at: datetime = _utc()


class Goal(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=64)
    title: str = Field(max_length=300)
    description: str | None = _text()
    deadline: date | None = None
    parent_id: int | None = Field(default=None, foreign_key="goal.id", index=True)
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    archived: bool = False
    created_at: datetime = _utc()
    updated_at: datetime = _utc()


class V2Mom(SQLModel, table=True):
    """A team's Vision, Values, Methods and Obstacles; its Measures are the team's KPIs."""

    __tablename__ = "v2mom"

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id", unique=True)
    vision: str | None = _text()
    values: str | None = _text()
    methods: str | None = _text()
    obstacles: str | None = _text()
    updated_by: str | None = Field(default=None, max_length=32)
    updated_at: datetime = _utc()


class Kpi(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=64)
    name: str = Field(max_length=200)
    definition: str | None = _text()
    unit: str | None = Field(default=None, max_length=32)
    direction: Direction = _enum(Direction, Direction.UP)
    target: float | None = None
    baseline: float | None = None
    band_low: float | None = None
    band_high: float | None = None
    cadence: Cadence = _enum(Cadence, Cadence.WEEKLY)
    owner_user_id: str = Field(max_length=32, index=True)
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    goal_id: int | None = Field(default=None, foreign_key="goal.id", index=True)
    indicator: Indicator = _enum(Indicator, Indicator.LAGGING)
    decision: str | None = _text()
    # Targets by period (core.targets: JSON of PeriodTargets.to_config()), None for none; and
    # the formula a computed KPI is worked out with (core.formula), None for a logged KPI.
    targets: str | None = _text()
    formula: str | None = _text()
    active: bool = True
    retired_at: datetime | None = _utc(nullable=True)
    # When a review last decided to keep, adjust or retire it (the relevance review).
    reviewed_at: datetime | None = _utc(nullable=True)
    # Alert levels (issue 12): a value below / above them alerts the owner; None for none.
    alert_below: float | None = None
    alert_above: float | None = None
    # Where its value is pulled from (core.sources, as canonical JSON; never a secret), whether
    # the owner confirms a pulled value, and how long after the period closes it is pulled.
    source_spec: str | None = _text()
    confirm_pulls: bool = False
    pull_after_minutes: int | None = None
    created_at: datetime = _utc()
    updated_at: datetime = _utc()


class Measurement(SQLModel, table=True):
    """The current value of one KPI for one reporting period; replaced versions go to history."""

    __table_args__ = (
        UniqueConstraint("kpi_id", "period_key", name="uq_measurement_kpi_period"),
        Index("ix_measurement_kpi_start", "kpi_id", "period_start"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kpi_id: int = Field(foreign_key="kpi.id")
    period_key: str = Field(max_length=16)
    period_start: date
    value: float
    note: str | None = _text()
    source: str = Field(default="slack", max_length=16)
    logged_by: str = Field(max_length=32)
    logged_at: datetime = _utc()
    version: int = 1


class MeasurementRevision(SQLModel, table=True):
    """An earlier version of a measurement, kept when a value is edited."""

    __tablename__ = "measurement_revision"

    id: int | None = Field(default=None, primary_key=True)
    measurement_id: int = Field(foreign_key="measurement.id", index=True)
    version: int
    value: float
    note: str | None = _text()
    source: str = Field(max_length=16)
    logged_by: str = Field(max_length=32)
    logged_at: datetime = _utc()
    replaced_by: str = Field(max_length=32)
    replaced_at: datetime = _utc()


class AuditEvent(SQLModel, table=True):
    """Who changed what and when; `details` is JSON text of the changed fields."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_entity", "entity", "entity_key"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False, index=True))
    actor: str = Field(max_length=64)
    action: str = Field(max_length=64)
    entity: str = Field(max_length=32)
    entity_key: str = Field(max_length=64)
    details: str = Field(default="{}", sa_type=Text)


class ProcessedEvent(SQLModel, table=True):
    """Events API deliveries already handled, so Slack's retries are processed once."""

    __tablename__ = "processed_event"

    event_id: str = Field(primary_key=True, max_length=64)
    received_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False, index=True))


class Delivery(SQLModel, table=True):
    """One message kpibot must send, exactly once: the outbox (see storage.outbox).

    `key` names what the message is for (``reminder:U123:2026-11-30T15:00Z``), so the same
    message can never be created twice. A process claims a due row by taking its lease
    (`lease_owner` until `lease_expires_at`); a row whose lease ran out is taken over, and
    `taken_over_from` then names the process that may have sent it before crashing.
    """

    __table_args__ = (Index("ix_delivery_status_due", "status", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=200)
    kind: str = Field(max_length=32)
    recipient: str = Field(max_length=32)  # a Slack user ID (a DM) or a conversation ID
    payload: str = Field(default="{}", sa_type=Text)  # JSON for the kind's renderer
    status: str = Field(default="pending", max_length=16)  # pending, sent, failed, cancelled
    due_at: datetime = _utc()
    attempts: int = 0  # how many times a process claimed it
    lease_owner: str | None = Field(default=None, max_length=64)
    lease_expires_at: datetime | None = _utc(nullable=True)
    taken_over_from: str | None = Field(default=None, max_length=64)
    channel_id: str | None = Field(default=None, max_length=32)
    message_ts: str | None = Field(default=None, max_length=32)
    error: str | None = _text()
    created_at: datetime = _utc()
    updated_at: datetime = _utc()
    sent_at: datetime | None = _utc(nullable=True)


class JobLease(SQLModel, table=True):
    """A named lease: the one process planning a job holds it until it expires."""

    __tablename__ = "job_lease"

    name: str = Field(primary_key=True, max_length=64)
    owner: str | None = Field(default=None, max_length=64)
    expires_at: datetime | None = _utc(nullable=True)


class Nudge(SQLModel, table=True):
    """The reminder schedule of one KPI for one reporting period, and where it stands.

    States: open (steps to come at `next_at`), away (the owner is away without a delegate;
    resumes at `next_at`), answered (a value was logged), skipped (with a reason), late (every
    reminder went unanswered; the lead was told), missed (the whole schedule passed while
    kpibot was not running), closed (the KPI was retired).
    """

    __table_args__ = (
        UniqueConstraint("kpi_id", "period_key", name="uq_nudge_kpi_period"),
        Index("ix_nudge_state_next", "state", "next_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kpi_id: int = Field(foreign_key="kpi.id")
    period_key: str = Field(max_length=16)
    period_start: date
    state: str = Field(default="open", max_length=16)
    step: int = 0  # steps taken so far (sent or skipped); the next one is step + 1
    reminders_sent: int = 0
    next_at: datetime | None = _utc(nullable=True)
    skip_reason: str | None = _text()
    closed_by: str | None = Field(default=None, max_length=32)
    late_at: datetime | None = _utc(nullable=True)
    lead_delivery_id: int | None = Field(default=None, foreign_key="delivery.id")
    created_at: datetime = _utc()
    updated_at: datetime = _utc()


class NudgeMessage(SQLModel, table=True):
    """Which message carried which reminder: one row per KPI, period and reminder number,
    so the same reminder can never be sent twice, and a logged value finds the messages to
    update."""

    __tablename__ = "nudge_message"
    __table_args__ = (UniqueConstraint("nudge_id", "attempt", name="uq_nudge_message_attempt"),)

    id: int | None = Field(default=None, primary_key=True)
    nudge_id: int = Field(foreign_key="nudge.id")
    attempt: int
    delivery_id: int = Field(foreign_key="delivery.id", index=True)


class DigestPost(SQLModel, table=True):
    """A digest message in Slack, kept so that late values can update it in place.

    `team_id` None is the company roll-up. `delivery_id` links a scheduled digest to its outbox
    row (None for one posted with `/kpi digest`). `message_ts` is None while the message is
    being posted: a sender that finds such a row after a crash cannot know whether Slack got it.
    `rendered_at` is when the content was last built; values logged after it for the periods
    shown make the next digests run rebuild it, and `fingerprint` says whether anything shown
    changed.
    """

    __tablename__ = "digest_post"
    __table_args__ = (Index("ix_digest_post_created", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    week_key: str = Field(max_length=16)
    moment: datetime = _utc()  # the instant the digest is "as of"
    delivery_id: int | None = Field(default=None, foreign_key="delivery.id", unique=True)
    channel_id: str = Field(max_length=32)
    message_ts: str | None = Field(default=None, max_length=32)
    file_id: str | None = Field(default=None, max_length=32)
    fingerprint: str = Field(default="", max_length=64)
    rendered_at: datetime = _utc()
    updates: int = 0
    created_at: datetime = _utc()
    updated_at: datetime = _utc()


class Review(SQLModel, table=True):
    """One review meeting of a team and its Slack thread.

    `meeting_key` is the meeting's local date (one review per team and day). `status` is open
    until someone closes it. `delivery_id` is the outbox row that posts the thread and
    `summary_delivery_id` the one that posts the closing summary; the ts columns record what
    was posted, so a sender taking over after a crash never posts a message twice.
    """

    __table_args__ = (
        UniqueConstraint("team_id", "meeting_key", name="uq_review_team_meeting"),
        Index("ix_review_thread", "channel_id", "parent_ts"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id", index=True)
    meeting_key: str = Field(max_length=16)
    meeting_at: datetime = _utc()
    status: str = Field(default="open", max_length=16)  # open, closed
    opened_by: str = Field(max_length=32)  # a Slack user ID, or "schedule"
    channel_id: str | None = Field(default=None, max_length=32)
    parent_ts: str | None = Field(default=None, max_length=32)
    delivery_id: int | None = Field(default=None, foreign_key="delivery.id")
    closed_at: datetime | None = _utc(nullable=True)
    closed_by: str | None = Field(default=None, max_length=32)
    summary_delivery_id: int | None = Field(default=None, foreign_key="delivery.id")
    summary_thread_ts: str | None = Field(default=None, max_length=32)
    summary_ts: str | None = Field(default=None, max_length=32)
    created_at: datetime = _utc()
    updated_at: datetime = _utc()


class ReviewItem(SQLModel, table=True):
    """A KPI on a review's agenda, in thread order; `relevance` names why it is up for the
    relevance question (comma-separated: stale, vanity, due), empty when it is not."""

    __tablename__ = "review_item"
    __table_args__ = (UniqueConstraint("review_id", "kpi_id", name="uq_review_item_kpi"),)

    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="review.id")
    kpi_id: int = Field(foreign_key="kpi.id")
    position: int
    relevance: str = Field(default="", max_length=64)
    message_ts: str | None = Field(default=None, max_length=32)


class ReviewComment(SQLModel, table=True):
    """Commentary on a KPI in a review: from the modal, or a reply typed in the thread."""

    __tablename__ = "review_comment"
    __table_args__ = (UniqueConstraint("review_id", "message_ts", name="uq_review_comment_ts"),)

    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="review.id", index=True)
    kpi_id: int = Field(foreign_key="kpi.id")
    author: str = Field(max_length=32)
    text: str = Field(sa_type=Text)
    source: str = Field(max_length=16)  # modal, thread
    message_ts: str | None = Field(default=None, max_length=32)  # the thread reply, if any
    created_at: datetime = _utc()
    updated_at: datetime = _utc()


class ReviewDecision(SQLModel, table=True):
    """Keep, adjust (with the target before and after) or retire a KPI, with the reason."""

    __tablename__ = "review_decision"

    id: int | None = Field(default=None, primary_key=True)
    review_id: int | None = Field(default=None, foreign_key="review.id", index=True)
    kpi_id: int = Field(foreign_key="kpi.id", index=True)
    outcome: str = Field(max_length=16)  # keep, adjust, retire
    reason: str = Field(sa_type=Text)
    target_before: str | None = Field(default=None, max_length=100)
    target_after: str | None = Field(default=None, max_length=100)
    decided_by: str = Field(max_length=32)
    decided_at: datetime = _utc()


class ActionItem(SQLModel, table=True):
    """Something someone agreed to do, usually in a review; open until marked done."""

    __tablename__ = "action_item"
    __table_args__ = (Index("ix_action_item_team_status", "team_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int | None = Field(default=None, foreign_key="team.id")
    review_id: int | None = Field(default=None, foreign_key="review.id", index=True)
    kpi_id: int | None = Field(default=None, foreign_key="kpi.id")
    text: str = Field(sa_type=Text)
    owner_user_id: str = Field(max_length=32, index=True)
    due_date: date | None = None
    status: str = Field(default="open", max_length=16)  # open, done
    created_by: str = Field(max_length=32)
    created_at: datetime = _utc()
    done_at: datetime | None = _utc(nullable=True)
    done_by: str | None = Field(default=None, max_length=32)
    updated_at: datetime = _utc()
