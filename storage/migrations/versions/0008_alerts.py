"""alerts: alert levels on KPIs, the team's channel-alert and digest-scorecard choices, and each
KPI's alert state

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("kpi") as batch_op:
        batch_op.add_column(sa.Column("alert_below", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("alert_above", sa.Float(), nullable=True))
    with op.batch_alter_table("team") as batch_op:
        batch_op.add_column(
            sa.Column("alerts_channel", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("digest_scorecard", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "kpi_alert_state",
        sa.Column("kpi_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["kpi_id"], ["kpi.id"]),
        sa.PrimaryKeyConstraint("kpi_id"),
    )


def downgrade() -> None:
    op.drop_table("kpi_alert_state")
    with op.batch_alter_table("team") as batch_op:
        batch_op.drop_column("digest_scorecard")
        batch_op.drop_column("alerts_channel")
    with op.batch_alter_table("kpi") as batch_op:
        batch_op.drop_column("alert_above")
        batch_op.drop_column("alert_below")
