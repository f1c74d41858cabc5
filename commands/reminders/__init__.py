"""Reminders to KPI owners: planning them, their rows, what their messages say."""
