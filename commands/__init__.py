"""kpibot commands."""
