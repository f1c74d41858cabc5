"""Alerts (issue 12): a KPI's state after each stored value, and the alerts it raises."""
