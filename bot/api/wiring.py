"""The API's routes for a running kpibot: its database, rules, clock and the event bus."""

from __future__ import annotations

from starlette.routing import Route

from bot.api.routes import Api
from bot.events import ValueStored
from bot.runtime import Runtime
from commands.results import ValueLogged


def api_routes(rt: Runtime) -> list[Route]:
    def after_logged(logged: list[ValueLogged]) -> None:
        # A value sent by a system answers the owner's reminder (and refreshes digests) just
        # as a typed one does: the same event, from the API.
        rt.events.publish_all(
            [ValueStored(outcome.kpi_key, outcome.period_key, source="api") for outcome in logged]
        )

    api = Api(
        rt.engine,
        rt.policy,
        rt.now,
        per_minute=rt.settings.api_rate_limit,
        on_logged=after_logged,
    )
    return api.routes()
