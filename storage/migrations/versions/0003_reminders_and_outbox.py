"""reminders: the delivery outbox, job leases, nudges, and per-team reminder settings

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

_TEAM_COLUMNS = (
    ("reminder_time", sa.Time()),
    ("working_hours_start", sa.Time()),
    ("working_hours_end", sa.Time()),
    ("workdays", sa.String(length=7)),
    ("follow_up_minutes", sa.Integer()),
    ("max_reminders", sa.Integer()),
)


def upgrade() -> None:
    with op.batch_alter_table("team") as batch_op:
        for name, kind in _TEAM_COLUMNS:
            batch_op.add_column(sa.Column(name, kind, nullable=True))
    with op.batch_alter_table("person") as batch_op:
        batch_op.add_column(
            sa.Column("timezone_checked_at", sa.DateTime(timezone=True), nullable=True)
        )

    op.create_table(
        "delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("recipient", sa.String(length=32), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("taken_over_from", sa.String(length=64), nullable=True),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_delivery_status_due", "delivery", ["status", "due_at"])

    op.create_table(
        "job_lease",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name"),
    )

    op.create_table(
        "nudge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kpi_id", sa.Integer(), nullable=False),
        sa.Column("period_key", sa.String(length=16), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("reminders_sent", sa.Integer(), nullable=False),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("skip_reason", sa.Text(), nullable=True),
        sa.Column("closed_by", sa.String(length=32), nullable=True),
        sa.Column("late_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lead_delivery_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["kpi_id"], ["kpi.id"]),
        sa.ForeignKeyConstraint(["lead_delivery_id"], ["delivery.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kpi_id", "period_key", name="uq_nudge_kpi_period"),
    )
    op.create_index("ix_nudge_state_next", "nudge", ["state", "next_at"])

    op.create_table(
        "nudge_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nudge_id", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["delivery_id"], ["delivery.id"]),
        sa.ForeignKeyConstraint(["nudge_id"], ["nudge.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("nudge_id", "attempt", name="uq_nudge_message_attempt"),
    )
    op.create_index("ix_nudge_message_delivery_id", "nudge_message", ["delivery_id"])


def downgrade() -> None:
    op.drop_index("ix_nudge_message_delivery_id", table_name="nudge_message")
    op.drop_table("nudge_message")
    op.drop_index("ix_nudge_state_next", table_name="nudge")
    op.drop_table("nudge")
    op.drop_table("job_lease")
    op.drop_index("ix_delivery_status_due", table_name="delivery")
    op.drop_table("delivery")
    with op.batch_alter_table("person") as batch_op:
        batch_op.drop_column("timezone_checked_at")
    with op.batch_alter_table("team") as batch_op:
        for name, _ in reversed(_TEAM_COLUMNS):
            batch_op.drop_column(name)
