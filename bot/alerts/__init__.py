"""Alerts to KPI owners, team leads and opted-in team channels (issue 12)."""
