"""The API's routes for a running kpibot: its database, rules, clock and Slack follow-ups."""

from __future__ import annotations

from starlette.routing import Route

from bot import reminders
from bot.api.routes import Api
from bot.runtime import Runtime
from commands.results import ValueLogged


def api_routes(rt: Runtime) -> list[Route]:
    def after_logged(logged: list[ValueLogged]) -> None:
        # A value sent by a system answers the owner's reminder just as a typed one does.
        for outcome in logged:
            reminders.after_logged(rt, outcome)

    api = Api(
        rt.engine,
        rt.policy,
        rt.now,
        per_minute=rt.settings.api_rate_limit,
        on_logged=after_logged,
    )
    return api.routes()
