"""The weekly team digest: what it says, when it is due, and `/kpi digest`."""
