"""reviews: review meetings and their threads, commentary, decisions, action items, and when
each KPI was last re-examined

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("team") as batch_op:
        batch_op.add_column(sa.Column("review_schedule", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("review_lead_hours", sa.Integer(), nullable=True))
    with op.batch_alter_table("kpi") as batch_op:
        batch_op.add_column(sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True))

    op.create_table(
        "review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("meeting_key", sa.String(length=16), nullable=False),
        sa.Column("meeting_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("opened_by", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("parent_ts", sa.String(length=32), nullable=True),
        sa.Column("delivery_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=32), nullable=True),
        sa.Column("summary_delivery_id", sa.Integer(), nullable=True),
        sa.Column("summary_thread_ts", sa.String(length=32), nullable=True),
        sa.Column("summary_ts", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["delivery_id"], ["delivery.id"]),
        sa.ForeignKeyConstraint(["summary_delivery_id"], ["delivery.id"]),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "meeting_key", name="uq_review_team_meeting"),
    )
    op.create_index("ix_review_team_id", "review", ["team_id"])
    op.create_index("ix_review_thread", "review", ["channel_id", "parent_ts"])

    op.create_table(
        "review_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("kpi_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("relevance", sa.String(length=64), nullable=False),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(["kpi_id"], ["kpi.id"]),
        sa.ForeignKeyConstraint(["review_id"], ["review.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("review_id", "kpi_id", name="uq_review_item_kpi"),
    )

    op.create_table(
        "review_comment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("kpi_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["kpi_id"], ["kpi.id"]),
        sa.ForeignKeyConstraint(["review_id"], ["review.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("review_id", "message_ts", name="uq_review_comment_ts"),
    )
    op.create_index("ix_review_comment_review_id", "review_comment", ["review_id"])

    op.create_table(
        "review_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=True),
        sa.Column("kpi_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("target_before", sa.String(length=100), nullable=True),
        sa.Column("target_after", sa.String(length=100), nullable=True),
        sa.Column("decided_by", sa.String(length=32), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["kpi_id"], ["kpi.id"]),
        sa.ForeignKeyConstraint(["review_id"], ["review.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_review_decision_review_id", "review_decision", ["review_id"])
    op.create_index("ix_review_decision_kpi_id", "review_decision", ["kpi_id"])

    op.create_table(
        "action_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("review_id", sa.Integer(), nullable=True),
        sa.Column("kpi_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("owner_user_id", sa.String(length=32), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by", sa.String(length=32), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["kpi_id"], ["kpi.id"]),
        sa.ForeignKeyConstraint(["review_id"], ["review.id"]),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_action_item_team_status", "action_item", ["team_id", "status"])
    op.create_index("ix_action_item_review_id", "action_item", ["review_id"])
    op.create_index("ix_action_item_owner_user_id", "action_item", ["owner_user_id"])


def downgrade() -> None:
    op.drop_index("ix_action_item_owner_user_id", table_name="action_item")
    op.drop_index("ix_action_item_review_id", table_name="action_item")
    op.drop_index("ix_action_item_team_status", table_name="action_item")
    op.drop_table("action_item")
    op.drop_index("ix_review_decision_kpi_id", table_name="review_decision")
    op.drop_index("ix_review_decision_review_id", table_name="review_decision")
    op.drop_table("review_decision")
    op.drop_index("ix_review_comment_review_id", table_name="review_comment")
    op.drop_table("review_comment")
    op.drop_table("review_item")
    op.drop_index("ix_review_thread", table_name="review")
    op.drop_index("ix_review_team_id", table_name="review")
    op.drop_table("review")
    with op.batch_alter_table("kpi") as batch_op:
        batch_op.drop_column("reviewed_at")
    with op.batch_alter_table("team") as batch_op:
        batch_op.drop_column("review_lead_hours")
        batch_op.drop_column("review_schedule")
