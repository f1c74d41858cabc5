"""Building the Bolt app: one client, a sized listener pool, every listener registered."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App

from bot import formulas
from bot.alerts import job as alerts
from bot.digests import service as digests
from bot.listeners import register_all
from bot.reminders import refresh as reminders
from bot.runtime import Runtime

log = logging.getLogger(__name__)


class _SameTokenNotice(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN by itself and then warns that the client's token wins; it is
    the same token, so the warning would only alarm operators."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


BOLT_LOGGER = logging.getLogger("kpibot.bolt")
BOLT_LOGGER.addFilter(_SameTokenNotice())


def build_app(rt: Runtime, *, verify_token: bool = True) -> App:
    """The Slack app. Listeners run on their own pool, sized by KPIBOT_LISTENER_WORKERS
    (Bolt's default of 5 would queue acks behind slow work under a burst of requests)."""
    settings = rt.settings
    secret = (
        settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    )
    app = App(
        client=rt.client,
        signing_secret=secret,
        # Socket Mode carries no signatures; over HTTP every request is verified.
        request_verification_enabled=secret is not None,
        token_verification_enabled=verify_token,
        listener_executor=ThreadPoolExecutor(
            max_workers=settings.listener_workers, thread_name_prefix="kpibot-listener"
        ),
        logger=BOLT_LOGGER,
    )
    register_all(app, rt)
    formulas.subscribe(rt)  # a stored value works out the formula KPIs that read it, first
    reminders.subscribe(rt)  # a stored value updates the reminder DMs about it at once
    digests.subscribe(rt)  # ... and the posted digests that show it, off the request path
    alerts.subscribe(rt)  # ... and whether it moved the KPI into an alert
    return app
