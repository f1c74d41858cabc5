"""Sending a Result back to Slack: a reply via response_url, a modal, or a chart upload."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, TypeVar

from slack_sdk.errors import SlackApiError

from bot import blocks, ids, modals
from bot.alerts import views as alert_views
from bot.digests.service import service_of
from bot.events import ValueStored
from bot.respond import Respond, reply, reply_failure
from bot.reviews import views as review_views
from bot.runtime import Failure, Runtime
from charts import kpi_chart
from commands.context import Context
from commands.forms import FormChoices, form_choices
from commands.results import (
    ActionList,
    AlertList,
    DigestReady,
    HealthView,
    KpiCard,
    OpenModal,
    Result,
    ScorecardView,
    ValueLogged,
)

log = logging.getLogger(__name__)
T = TypeVar("T")


FORMS_WITH_CHOICES = frozenset({ids.GOAL_ADD, ids.KPI_ADD, ids.KPI_EDIT})  # teams and goals to pick


@dataclass(frozen=True)
class FormToOpen:
    """A form to open with the choices it offers, read in the use case's own transaction."""

    request: OpenModal
    choices: FormChoices


def with_form_choices(ctx: Context, outcome: T) -> T | FormToOpen:
    """Inside the use case's transaction: a form that offers teams and goals gets them now,
    so answering a command takes one session."""
    if isinstance(outcome, OpenModal) and outcome.modal in FORMS_WITH_CHOICES:
        return FormToOpen(outcome, form_choices(ctx))
    return outcome


def deliver(
    rt: Runtime,
    outcome: Result | FormToOpen | Failure,
    *,
    user_id: str,
    respond: Respond,
    trigger_id: str | None,
    channel_id: str | None,
) -> None:
    """Show `outcome` to the user who asked, whatever kind of result it is."""
    if isinstance(outcome, Failure):
        reply_failure(respond, outcome)
    elif isinstance(outcome, OpenModal | FormToOpen):
        open_modal(
            rt,
            outcome,
            user_id=user_id,
            trigger_id=trigger_id,
            channel_id=channel_id,
            respond=respond,
        )
    elif isinstance(outcome, KpiCard):
        reply(respond, card_with_chart(rt, outcome, channel_id=channel_id))
    elif isinstance(outcome, DigestReady):
        service_of(rt).handle(outcome, respond=respond)  # drawn and posted off the listener pool
    else:
        # Announce first: the subscribers that answer at once (the reminder DM) are quick, and
        # whoever sees the reply can count on the value's followers having been told.
        announce(rt, outcome)
        reply(respond, render(outcome))


def announce(rt: Runtime, outcome: object) -> None:
    """After the ack: if the use case stored a value, say so to whoever subscribed."""
    if isinstance(outcome, ValueLogged):
        rt.events.publish(ValueStored(outcome.kpi_key, outcome.period_key, source="slack"))


def render(result: Result) -> blocks.Message:
    """Block Kit for any Result; review results are drawn by the reviews feature."""
    if isinstance(result, ActionList | HealthView):
        return review_views.render(result)
    if isinstance(result, AlertList | ScorecardView):
        return alert_views.render(result)
    return blocks.render(result)


def card_with_chart(rt: Runtime, card: KpiCard, *, channel_id: str | None) -> blocks.Message:
    """The KPI card with its chart. Shared cards upload into the channel (so everyone there
    can see the image); private ones upload a private file the card then shows."""
    chart = kpi_chart(card.chart)
    try:
        upload = rt.client.files_upload_v2(
            content=chart.png,
            filename=f"{card.row.key}.png",
            title=f"{card.row.name} — history",
            alt_txt=chart.alt_text,
            channel=channel_id if card.shared else None,
        )
        file_id = upload["files"][0]["id"] if upload.get("files") else upload["file"]["id"]
    except SlackApiError as exc:
        log.warning("chart upload failed: %s", exc.response.get("error"))
        message = blocks.kpi_card(card)
        reason = exc.response.get("error")
        if reason == "not_in_channel":
            message.blocks.append(
                blocks.context("_Invite kpibot to this channel to share charts here._")
            )
        else:
            message.blocks.append(blocks.context(f"_The chart could not be uploaded ({reason})._"))
        return message
    return blocks.kpi_card(card, chart_file_id=file_id, alt_text=chart.alt_text)


def open_modal(
    rt: Runtime,
    request: OpenModal | FormToOpen,
    *,
    user_id: str,
    trigger_id: str | None,
    channel_id: str | None,
    respond: Respond | None,
) -> None:
    view = build_view(rt, request, user_id=user_id, channel_id=channel_id)
    if isinstance(view, Failure):
        if respond:
            reply_failure(respond, view)
        return
    try:
        rt.client.views_open(trigger_id=trigger_id, view=modals.opened_for(view, user_id))
    except SlackApiError as exc:
        reason = exc.response.get("error")
        log.warning("views.open failed: %s", reason)
        if respond:
            hint = (
                "Slack took too long to hand the form over; run the command again."
                if reason in ("expired_trigger_id", "invalid_trigger_id")
                else None
            )
            reply(respond, blocks.error(f"The form could not be opened ({reason}).", hint))


def build_view(
    rt: Runtime, form: OpenModal | FormToOpen, *, user_id: str, channel_id: str | None
) -> dict[str, Any] | Failure:
    request = form.request if isinstance(form, FormToOpen) else form
    choices: FormChoices | Failure | None = form.choices if isinstance(form, FormToOpen) else None
    if request.modal == ids.V2MOM_EDIT:
        return modals.v2mom_modal(request.initial, channel=channel_id)
    if request.modal == ids.LOG_VALUE:
        i = request.initial
        return modals.log_modal(
            i["kpi"],
            i["name"],
            i["period"],
            i["period_label"],
            channel=channel_id,
            value=i.get("value"),
        )
    if choices is None:
        choices = rt.execute(user_id, form_choices)
    if isinstance(choices, Failure):
        return choices
    if request.modal == ids.GOAL_ADD:
        return modals.goal_modal(choices, channel=channel_id)
    return modals.kpi_modal(choices, initial=request.initial or None, channel=channel_id)
