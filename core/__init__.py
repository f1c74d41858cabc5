"""Pure domain rules of kpibot: no I/O, no Slack, no database; time is always passed in."""
