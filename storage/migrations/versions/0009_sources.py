"""sources: where a KPI's value is pulled from, whether the owner confirms it, and when

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("kpi") as batch:
        batch.add_column(sa.Column("source_spec", sa.Text(), nullable=True))
        batch.add_column(
            sa.Column("confirm_pulls", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("pull_after_minutes", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("kpi") as batch:
        batch.drop_column("pull_after_minutes")
        batch.drop_column("confirm_pulls")
        batch.drop_column("source_spec")
