"""Modal submissions. Validation errors go back into the modal next to their input; a
successful submission swaps the modal for a confirmation, so nothing needs a channel."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltResponse

from bot import blocks, ids, modals
from bot.replies import announce, render
from bot.runtime import Failure, Runtime
from commands import goals, kpis, v2mom, values
from commands.context import CommandError, Context
from commands.lookup import find_kpi
from commands.results import Notice, Result

log = logging.getLogger(__name__)


def register(app: App, rt: Runtime) -> None:
    @app.middleware
    def only_its_opener_submits(
        body: dict[str, Any], next: Callable[[], None]
    ) -> BoltResponse | None:
        """A form opened for one person and submitted by another is refused, whatever form
        it is: nothing runs, and the answer says why."""
        view = body.get("view") or {}
        by = (body.get("user") or {}).get("id")
        if body.get("type") == "view_submission" and modals.opener(view) not in (None, by):
            log.warning("refused a %s form submitted by %s", view.get("callback_id"), by)
            refusal = done_view(
                blocks.error(
                    "This form was opened for someone else, so it was not saved.",
                    "Open your own with the button or `/kpi` command that opened this one.",
                )
            )
            answer = {"response_action": "update", "view": refusal}
            return BoltResponse(
                status=200, body=json.dumps(answer), headers={"content-type": "application/json"}
            )
        next()
        return None

    def submit(
        callback_id: str, use_case: Callable[[Context, dict[str, Any], dict[str, Any]], Result]
    ) -> None:
        @app.view(callback_id)
        def handler(ack: Ack, body: dict[str, Any]) -> None:
            view = body["view"]
            fields, meta = modals.read_state(view), modals.metadata(view)
            outcome = rt.execute(
                body["user"]["id"], _with_field_errors(lambda ctx: use_case(ctx, fields, meta))
            )
            if isinstance(outcome, _FieldProblems):
                ack(response_action="errors", errors=modals.field_errors(outcome.errors, view))
            elif isinstance(outcome, Failure):
                ack(
                    response_action="update",
                    view=done_view(blocks.error(outcome.message, outcome.hint)),
                )
            else:
                ack(response_action="update", view=done_view(render(outcome)))
                announce(rt, outcome)  # after the ack: Slack is not kept waiting

    submit(ids.KPI_ADD, lambda ctx, f, m: kpis.add_kpi(ctx, f, force=bool(f.get("force"))))
    submit(ids.KPI_EDIT, lambda ctx, f, m: kpis.edit_kpi(ctx, str(m.get("key")), f))
    submit(ids.GOAL_ADD, lambda ctx, f, m: goals.add_goal(ctx, f))
    submit(ids.V2MOM_EDIT, lambda ctx, f, m: v2mom.save(ctx, str(m.get("team")), f))
    submit(ids.LOG_VALUE, _log_from_form)


def _log_from_form(ctx: Context, fields: dict[str, Any], meta: dict[str, Any]) -> Result:
    kpi = find_kpi(ctx, str(meta.get("kpi", "")))
    return values.log_to(
        ctx,
        kpi,
        fields.get("value") or "",
        period_text=fields.get("period"),
        note=fields.get("note"),
        source="slack",
    )


class _FieldProblems:
    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors


def _with_field_errors(
    use_case: Callable[[Context], Result],
) -> Callable[[Context], Result | _FieldProblems]:
    """Errors that belong to one input are shown on it; the transaction still rolls back."""

    def run(ctx: Context) -> Result | _FieldProblems:
        try:
            return use_case(ctx)
        except (kpis.FieldErrors, goals.GoalFieldErrors) as exc:
            ctx.session.rollback()
            return _FieldProblems(exc.errors)
        except kpis.FocusWarning as exc:
            ctx.session.rollback()
            return _FieldProblems({"owner": f"{exc.message} {exc.hint or ''}"})
        except CommandError as exc:
            if exc.field:
                ctx.session.rollback()
                return _FieldProblems({exc.field: exc.message})
            raise

    return run


def done_view(message: blocks.Message) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "kpibot"},
        "close": {"type": "plain_text", "text": "Done"},
        "blocks": message.blocks,
    }


__all__ = ["Notice", "done_view", "register"]
