"""The ``kpi_alert_state`` table (storage.alert_state reads and writes it).

Kept apart from storage.models (which imports it, so that every table is registered), like
storage.api_models: it needs nothing from storage.models, so there is no import circle.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, Text
from sqlmodel import Field, SQLModel

from storage.columns import UTCDateTime


class KpiAlertState(SQLModel, table=True):
    """One KPI's core.alerts.AlertState as JSON, and when it was last stepped (UTC)."""

    __tablename__ = "kpi_alert_state"

    kpi_id: int = Field(
        sa_column=Column(Integer, ForeignKey("kpi.id"), primary_key=True, autoincrement=False)
    )
    state: str = Field(sa_type=Text, sa_column_kwargs={"nullable": False})
    updated_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
