"""Modal views (Block Kit) for goals, KPIs, values and the V2MOM, and reading them back.

Every input's block_id is the name of the field it edits, so validation errors from the use
cases (keyed by field) land next to the right input.
"""

from __future__ import annotations

import json
from typing import Any

from bot import ids
from commands.forms import FormChoices
from core.kinds import Cadence, Direction, Indicator

Block = dict[str, Any]
MAX_OPTIONS = 100  # Slack's limit for a static select

DIRECTION_LABELS = {
    Direction.UP: "Higher is better",
    Direction.DOWN: "Lower is better",
    Direction.BAND: "Stay within a band",
}


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text[:75], "emoji": True}


def _option(value: str, label: str) -> dict[str, Any]:
    return {"text": _plain(label), "value": value}


def _input(field: str, label: str, element: Block, *, optional: bool) -> Block:
    """An input block whose block_id and action_id are both the field's name."""
    return {
        "type": "input",
        "block_id": field,
        "label": _plain(label),
        "optional": optional,
        "element": element,
    }


def text_input(
    field: str, label: str, *, initial: str = "", optional: bool = True, multiline: bool = False,
    hint: str | None = None, placeholder: str | None = None, max_length: int = 3000,
) -> Block:  # fmt: skip
    element: Block = {
        "type": "plain_text_input",
        "action_id": field,
        "multiline": multiline,
        "max_length": max_length,
    }
    if initial:
        element["initial_value"] = initial[:max_length]
    if placeholder:
        element["placeholder"] = _plain(placeholder)
    block: Block = {
        "type": "input",
        "block_id": field,
        "label": _plain(label),
        "optional": optional,
        "element": element,
    }
    if hint:
        block["hint"] = _plain(hint)
    return block


def select_input(
    field: str,
    label: str,
    options: list[tuple[str, str]],
    *,
    initial: str = "",
    optional: bool = True,
) -> Block:
    """A static select, or a text input for the key when there are too many choices."""
    if len(options) > MAX_OPTIONS:
        return text_input(field, f"{label} (key)", initial=initial, optional=optional)
    if not options:
        return {
            "type": "context",
            "block_id": field,
            "elements": [{"type": "mrkdwn", "text": f"No {label.lower()}s yet."}],
        }
    rendered = [
        _option(value, f"{text} ({value})" if text != value else value) for value, text in options
    ]
    element: Block = {"type": "static_select", "action_id": field, "options": rendered}
    chosen = next((o for o in rendered if o["value"] == initial), None)
    if chosen:
        element["initial_option"] = chosen
    return _input(field, label, element, optional=optional)


def user_input(field: str, label: str, *, initial: str = "", optional: bool = False) -> Block:
    element: Block = {"type": "users_select", "action_id": field}
    if initial:
        element["initial_user"] = initial
    return _input(field, label, element, optional=optional)


def date_input(field: str, label: str, *, initial: str = "", optional: bool = True) -> Block:
    element: Block = {"type": "datepicker", "action_id": field}
    if initial:
        element["initial_date"] = initial
    return _input(field, label, element, optional=optional)


def _modal(
    callback_id: str,
    title: str,
    blocks: list[Block],
    metadata: dict[str, Any],
    submit: str = "Save",
) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": _plain(title[:24]),
        "submit": _plain(submit),
        "close": _plain("Cancel"),
        "private_metadata": json.dumps(metadata)[:3000],
        "blocks": blocks,
    }


def kpi_modal(
    choices: FormChoices, *, initial: dict[str, Any] | None = None, channel: str | None = None
) -> dict[str, Any]:
    values = initial or {}
    editing = bool(initial)
    blocks: list[Block] = []
    if not editing:
        blocks.append(
            text_input(
                "key",
                "Key",
                optional=False,
                max_length=64,
                placeholder="pipeline",
                hint="Short and stable: used in /kpi log KEY VALUE.",
            )
        )
    blocks += [
        text_input("name", "Name", initial=values.get("name", ""), optional=False, max_length=200),
        user_input("owner", "Owner (exactly one person)", initial=values.get("owner", "")),
        select_input("team", "Team", list(choices.teams), initial=values.get("team", "")),
        select_input("goal", "Goal it serves", list(choices.goals), initial=values.get("goal", "")),
        text_input(
            "unit",
            "Unit",
            initial=values.get("unit", ""),
            max_length=32,
            placeholder="USD, %, deals, ms",
        ),
        select_input(
            "direction",
            "Direction",
            [(d.value, DIRECTION_LABELS[d]) for d in Direction],
            initial=values.get("direction", Direction.UP.value),
            optional=False,
        ),
        text_input(
            "target",
            "Target",
            initial=values.get("target", ""),
            max_length=40,
            placeholder="4M",
            # Optional only for a band KPI; say so, or "(optional)" reads as never needed.
            hint="Needed when higher or lower is better; a KPI that stays within a range "
            "(Stay within a band) sets Band instead.",
        ),
        text_input(
            "baseline",
            "Baseline (where it starts)",
            initial=values.get("baseline", ""),
            max_length=40,
        ),
        text_input(
            "band",
            "Band (for stay-within KPIs)",
            initial=values.get("band", ""),
            max_length=60,
            placeholder="90 to 110",
        ),
        select_input(
            "cadence",
            "Reporting cadence",
            [(c.value, c.value.capitalize()) for c in Cadence],
            initial=values.get("cadence", Cadence.WEEKLY.value),
            optional=False,
        ),
        select_input(
            "indicator",
            "Indicator",
            [(i.value, i.value.capitalize()) for i in Indicator],
            initial=values.get("indicator", Indicator.LAGGING.value),
            optional=False,
        ),
        text_input(
            "definition",
            "Definition / formula",
            initial=values.get("definition", ""),
            multiline=True,
        ),
        text_input(
            "decision",
            "Decision it informs",
            initial=values.get("decision", ""),
            max_length=1000,
            hint="A KPI that informs no decision is a vanity metric.",
        ),
    ]
    if not editing:
        blocks.append(
            {
                "type": "input",
                "block_id": "force",
                "optional": True,
                "label": _plain("Focus rules"),
                "element": {
                    "type": "checkboxes",
                    "action_id": "force",
                    "options": [
                        _option("yes", "Create it even if it breaks a focus rule (admins)")
                    ],
                },
            }
        )
    metadata = {"key": values.get("key"), "channel": channel}
    title = "Edit KPI" if editing else "New KPI"
    return _modal(ids.KPI_EDIT if editing else ids.KPI_ADD, title, blocks, metadata)


def goal_modal(choices: FormChoices, *, channel: str | None = None) -> dict[str, Any]:
    blocks = [
        text_input("key", "Key", optional=False, max_length=64, placeholder="pipeline-h1"),
        text_input(
            "title",
            "Title",
            optional=False,
            max_length=300,
            hint="Specific: what will be true, by how much.",
        ),
        text_input("description", "Description", multiline=True),
        date_input("deadline", "Deadline"),
        select_input("parent", "Parent goal", list(choices.goals)),
        select_input("team", "Team", list(choices.teams)),
    ]
    return _modal(ids.GOAL_ADD, "New goal", blocks, {"channel": channel})


def log_modal(
    kpi_key: str,
    kpi_name: str,
    period_key: str,
    period_label: str,
    *,
    channel: str | None = None,
    value: str | None = None,  # prefilled: a pulled value the owner corrects or explains
) -> dict[str, Any]:
    blocks = [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": f"*{_esc(kpi_name)}* `{kpi_key}` — {_esc(period_label)}",
            },
        },
        text_input(
            "value",
            "Value",
            initial=value or "",
            optional=False,
            max_length=60,
            placeholder="1.2M, 15%, $1,200",
        ),
        text_input(
            "period",
            "Period",
            initial=period_key,
            optional=False,
            max_length=20,
            hint="Change it to log a past period.",
        ),
        # Slack's own cap, above kpibot's note limit: an over-long note is refused with the
        # reason (commands.values) instead of the box cutting it silently.
        text_input("note", "Note (the story behind the number)", multiline=True, max_length=3000),
    ]
    return _modal(
        ids.LOG_VALUE, "Log value", blocks, {"kpi": kpi_key, "channel": channel}, submit="Log"
    )


def v2mom_modal(initial: dict[str, Any], *, channel: str | None = None) -> dict[str, Any]:
    prompts = {
        "vision": "Vision: what do we want to achieve?",
        "values": "Values: what matters to us on the way?",
        "methods": "Methods: how will we get there?",
        "obstacles": "Obstacles: what stands in the way?",
    }
    blocks = [
        text_input(part, label, initial=initial.get(part, ""), multiline=True)
        for part, label in prompts.items()
    ]
    return _modal(
        ids.V2MOM_EDIT, "Edit V2MOM", blocks, {"team": initial["team"], "channel": channel}
    )


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def read_state(view: dict[str, Any]) -> dict[str, str | None]:
    """The submitted inputs as {field: text or None}, whatever kind of element holds them."""
    fields: dict[str, str | None] = {}
    for block_id, actions in view.get("state", {}).get("values", {}).items():
        for element in actions.values():
            kind = element.get("type")
            if kind == "plain_text_input":
                fields[block_id] = element.get("value")
            elif kind in ("static_select", "external_select", "radio_buttons"):
                option = element.get("selected_option")
                fields[block_id] = option["value"] if option else None
            elif kind == "users_select":
                fields[block_id] = element.get("selected_user")
            elif kind == "datepicker":
                fields[block_id] = element.get("selected_date")
            elif kind == "checkboxes":
                chosen = element.get("selected_options") or []
                fields[block_id] = ",".join(o["value"] for o in chosen) or None
    return fields


def opened_for(view: dict[str, Any], user_id: str) -> dict[str, Any]:
    """``view`` with the person it is opened for in its private metadata: Slack sends a
    submission back with whoever submitted it, and only they may submit it (:func:`opener`)."""
    return {**view, "private_metadata": json.dumps({**metadata(view), "for": user_id})[:3000]}


def opener(view: dict[str, Any]) -> str | None:
    """Who the view was opened for (see :func:`opened_for`), when it says."""
    found = metadata(view).get("for")
    return str(found) if found else None


def metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def _as_plain(message: str) -> str:
    """A use case's mrkdwn message as the plain text Slack shows under an input."""
    text = message.replace("`", "")
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def field_errors(errors: dict[str, str], view: dict[str, Any]) -> dict[str, str]:
    """Use-case errors mapped onto the modal's input blocks (Slack wants <= 150 chars each)."""
    present = {b.get("block_id") for b in view.get("blocks", []) if b.get("type") == "input"}
    mapped: dict[str, str] = {}
    for field, message in errors.items():
        target = field if field in present else next(iter(sorted(present)), field)
        mapped[target] = (mapped.get(target, "") + " " + _as_plain(message)).strip()[:150]
    return mapped
