"""`kpibot local`: try kpibot without Slack, in a local workspace in the browser.

* :mod:`.demo`: the demo company (people, channels, teams, goals, KPIs, history).
* :mod:`.jobs`: kpibot's scheduled jobs for the page's clock control.
* :mod:`.stack`: kpibot and the local workspace started together on 127.0.0.1.
* :mod:`.run`: the command itself: database, seeding, browser, Ctrl-C.
"""
