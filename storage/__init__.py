"""kpibot storage."""
