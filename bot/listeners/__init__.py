"""Bolt listeners, one module per kind of Slack request; each has `register(app, rt)`.

Listeners ack first, delegate to a use case through the Runtime, and respond.
"""

from __future__ import annotations

from slack_bolt import App

from bot.listeners import actions, events, reminders, reviews, slash, sources, views
from bot.runtime import Runtime


def register_all(app: App, rt: Runtime) -> None:
    for module in (slash, actions, views, events, reminders, reviews, sources):
        module.register(app, rt)
