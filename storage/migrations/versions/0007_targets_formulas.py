"""targets and formulas: per-period targets (JSON text) and a formula on each KPI

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("kpi") as batch_op:
        batch_op.add_column(sa.Column("targets", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("formula", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("kpi") as batch_op:
        batch_op.drop_column("formula")
        batch_op.drop_column("targets")
