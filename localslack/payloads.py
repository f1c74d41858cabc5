"""What Slack sends to an app, built as plain dicts a test can tweak before sending.

One function per request type (slash command, block_actions, view_submission, view_closed,
shortcut, Events API envelope, url_verification) plus the common events. The shapes follow
Slack's reference for each; fields Bolt for Python never reads are kept where Slack always
sends them, so an app sees what it would see in production.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# The deprecated verification token Slack still sends in every payload (not a secret here).
VERIFICATION_TOKEN = "localslack-verification-token"  # noqa: S105


# --- shared pieces ---------------------------------------------------------------------------


def team_ref(team_id: str, domain: str) -> dict[str, Any]:
    return {"id": team_id, "domain": domain}


def user_ref(user_id: str, username: str, team_id: str) -> dict[str, Any]:
    return {"id": user_id, "username": username, "name": username, "team_id": team_id}


def plain_text(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


# --- element values --------------------------------------------------------------------------

_TEXT_INPUTS = frozenset(
    {
        "plain_text_input",
        "number_input",
        "email_text_input",
        "url_text_input",
        "rich_text_input",
    }
)
_SINGLE_SELECTS = frozenset({"static_select", "external_select", "radio_buttons", "overflow"})
_MULTI_SELECTS = frozenset({"multi_static_select", "multi_external_select", "checkboxes"})
_ID_FIELDS = {
    "users_select": "selected_user",
    "conversations_select": "selected_conversation",
    "channels_select": "selected_channel",
    "datepicker": "selected_date",
    "timepicker": "selected_time",
    "datetimepicker": "selected_date_time",
}
_MULTI_ID_FIELDS = {
    "multi_users_select": "selected_users",
    "multi_conversations_select": "selected_conversations",
    "multi_channels_select": "selected_channels",
}


def find_element(blocks: Iterable[Mapping[str, Any]], action_id: str) -> tuple[str, dict[str, Any]]:
    """The (block_id, element) of the interactive element with this action_id, or KeyError."""
    for block in blocks:
        candidates: list[Any] = []
        if isinstance(block.get("element"), dict):
            candidates.append(block["element"])
        if isinstance(block.get("accessory"), dict):
            candidates.append(block["accessory"])
        if isinstance(block.get("elements"), list):
            candidates.extend(block["elements"])
        for element in candidates:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return str(block.get("block_id", "")), element
    raise KeyError(action_id)


def _option(element: Mapping[str, Any] | None, value: str) -> dict[str, Any]:
    """The option of a select whose value is `value`, as Slack echoes it back."""
    if element is not None:
        groups = element.get("option_groups") or []
        options = list(element.get("options") or [])
        for group in groups:
            options.extend(group.get("options") or [])
        for option in options:
            if isinstance(option, dict) and option.get("value") == value:
                return dict(option)
    return {"text": plain_text(value), "value": value}


def element_value(
    element_type: str, raw: Any, element: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """A state value `{type, ...}` for an element of `element_type` set to `raw`.

    `raw` is what a person chose: text for inputs, an option value for selects, an ID for
    user/channel pickers, "YYYY-MM-DD" for dates, a list for multi-selects."""
    state: dict[str, Any] = {"type": element_type}
    if element_type in _SINGLE_SELECTS:
        state["selected_option"] = None if raw is None else _option(element, str(raw))
    elif element_type in _MULTI_SELECTS:
        values = [] if raw is None else ([raw] if isinstance(raw, str) else list(raw))
        state["selected_options"] = [_option(element, str(v)) for v in values]
    elif element_type in _ID_FIELDS:
        state[_ID_FIELDS[element_type]] = raw
    elif element_type in _MULTI_ID_FIELDS:
        state[_MULTI_ID_FIELDS[element_type]] = [] if raw is None else list(raw)
    else:
        state["value"] = raw
    return state


def state_values(
    values: Mapping[str, Mapping[str, Any]], blocks: Iterable[Mapping[str, Any]] = ()
) -> dict[str, dict[str, Any]]:
    """Slack's `view.state.values` from what a test filled in.

    `values` is `{block_id: {action_id: value}}`. A value that is a dict with a "type" is
    taken as it is; anything else is shaped for the element found in `blocks` (a plain text
    input when there is none), so `{"name": {"name": "Revenue"}}` is enough."""
    by_action: dict[tuple[str, str], dict[str, Any]] = {}
    for block in blocks:
        element = block.get("element")
        if isinstance(element, dict) and "action_id" in element:
            by_action[(str(block.get("block_id", "")), str(element["action_id"]))] = element
    shaped: dict[str, dict[str, Any]] = {}
    for block_id, actions in values.items():
        shaped[block_id] = {}
        for action_id, raw in actions.items():
            if isinstance(raw, dict) and "type" in raw:
                shaped[block_id][action_id] = dict(raw)
                continue
            element = by_action.get((block_id, action_id))
            element_type = str(element.get("type")) if element else "plain_text_input"
            shaped[block_id][action_id] = element_value(element_type, raw, element)
    return shaped


def action(
    action_id: str,
    *,
    block_id: str,
    action_ts: str,
    action_type: str = "button",
    value: Any = None,
    element: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One entry of a block_actions payload's `actions`."""
    data: dict[str, Any] = {"action_id": action_id, "block_id": block_id, "action_ts": action_ts}
    if action_type == "button":
        data["type"] = "button"
        if element is not None and "text" in element:
            data["text"] = element["text"]
        if value is not None:
            data["value"] = value
        if element is not None and "style" in element:
            data["style"] = element["style"]
        return data
    data.update(element_value(action_type, value, element))
    if action_type in _SINGLE_SELECTS and data.get("selected_option") is None:
        data.pop("selected_option")
    return data


# --- requests --------------------------------------------------------------------------------


def slash_command(
    *,
    command: str,
    text: str,
    user_id: str,
    user_name: str,
    channel_id: str,
    channel_name: str,
    team_id: str,
    team_domain: str,
    api_app_id: str,
    response_url: str,
    trigger_id: str,
    token: str = VERIFICATION_TOKEN,
) -> dict[str, str]:
    """The form fields of a slash command request."""
    return {
        "token": token,
        "team_id": team_id,
        "team_domain": team_domain,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_name,
        "command": command,
        "text": text,
        "api_app_id": api_app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


def block_actions(
    *,
    user: Mapping[str, Any],
    team: Mapping[str, Any],
    api_app_id: str,
    trigger_id: str,
    actions: list[dict[str, Any]],
    container: Mapping[str, Any],
    channel: Mapping[str, Any] | None = None,
    message: Mapping[str, Any] | None = None,
    view: Mapping[str, Any] | None = None,
    response_url: str | None = None,
    state: Mapping[str, Any] | None = None,
    token: str = VERIFICATION_TOKEN,
) -> dict[str, Any]:
    """A block_actions interaction (send it as the form field `payload`)."""
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": dict(user),
        "api_app_id": api_app_id,
        "token": token,
        "container": dict(container),
        "trigger_id": trigger_id,
        "team": dict(team),
        "enterprise": None,
        "is_enterprise_install": False,
        "actions": actions,
    }
    if channel is not None:
        payload["channel"] = dict(channel)
    if message is not None:
        payload["message"] = dict(message)
    if view is not None:
        payload["view"] = dict(view)
    if response_url is not None:
        payload["response_url"] = response_url
    if state is not None:
        payload["state"] = {"values": dict(state)}
    return payload


def view_submission(
    *,
    user: Mapping[str, Any],
    team: Mapping[str, Any],
    api_app_id: str,
    trigger_id: str,
    view: Mapping[str, Any],
    token: str = VERIFICATION_TOKEN,
) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "team": dict(team),
        "user": dict(user),
        "api_app_id": api_app_id,
        "token": token,
        "trigger_id": trigger_id,
        "view": dict(view),
        "response_urls": [],
        "enterprise": None,
        "is_enterprise_install": False,
    }


def view_closed(
    *,
    user: Mapping[str, Any],
    team: Mapping[str, Any],
    api_app_id: str,
    view: Mapping[str, Any],
    is_cleared: bool = False,
    token: str = VERIFICATION_TOKEN,
) -> dict[str, Any]:
    return {
        "type": "view_closed",
        "team": dict(team),
        "user": dict(user),
        "api_app_id": api_app_id,
        "token": token,
        "view": dict(view),
        "is_cleared": is_cleared,
        "enterprise": None,
        "is_enterprise_install": False,
    }


def shortcut(
    *,
    callback_id: str,
    user: Mapping[str, Any],
    team: Mapping[str, Any],
    api_app_id: str,
    trigger_id: str,
    action_ts: str,
    token: str = VERIFICATION_TOKEN,
) -> dict[str, Any]:
    """A global shortcut."""
    return {
        "type": "shortcut",
        "callback_id": callback_id,
        "trigger_id": trigger_id,
        "user": dict(user),
        "team": dict(team),
        "api_app_id": api_app_id,
        "token": token,
        "action_ts": action_ts,
        "enterprise": None,
        "is_enterprise_install": False,
    }


def event_callback(
    event: Mapping[str, Any],
    *,
    team_id: str,
    api_app_id: str,
    event_id: str,
    event_time: int,
    bot_user_id: str,
    token: str = VERIFICATION_TOKEN,
) -> dict[str, Any]:
    """The Events API envelope around one event."""
    return {
        "token": token,
        "team_id": team_id,
        "api_app_id": api_app_id,
        "event": dict(event),
        "type": "event_callback",
        "event_id": event_id,
        "event_time": event_time,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-localslack-{event_id}",
    }


def url_verification(challenge: str, *, token: str = VERIFICATION_TOKEN) -> dict[str, Any]:
    return {"token": token, "challenge": challenge, "type": "url_verification"}


# --- events ----------------------------------------------------------------------------------


def message_event(
    user: str,
    channel: str,
    text: str,
    *,
    ts: str,
    channel_type: str = "im",
    thread_ts: str | None = None,
    team_id: str | None = None,
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "message",
        "user": user,
        "text": text,
        "ts": ts,
        "channel": channel,
        "channel_type": channel_type,
        "event_ts": ts,
    }
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
    if team_id is not None:
        event["team"] = team_id
    return event


def app_mention_event(
    user: str, channel: str, text: str, *, ts: str, thread_ts: str | None = None
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "app_mention",
        "user": user,
        "text": text,
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
    }
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
    return event


def app_home_opened_event(
    user: str,
    *,
    channel: str,
    event_ts: str,
    tab: str = "home",
    view: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "app_home_opened",
        "user": user,
        "channel": channel,
        "tab": tab,
        "event_ts": event_ts,
    }
    if view is not None:
        event["view"] = dict(view)
    return event


def member_joined_channel_event(
    user: str,
    channel: str,
    *,
    event_ts: str,
    team_id: str,
    channel_type: str = "C",
    inviter: str | None = None,
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "member_joined_channel",
        "user": user,
        "channel": channel,
        "channel_type": channel_type,
        "team": team_id,
        "event_ts": event_ts,
    }
    if inviter is not None:
        event["inviter"] = inviter
    return event


def app_uninstalled_event(*, event_ts: str) -> dict[str, Any]:
    return {"type": "app_uninstalled", "event_ts": event_ts}


def tokens_revoked_event(
    *, event_ts: str, bot_user_ids: list[str] | None = None, user_ids: list[str] | None = None
) -> dict[str, Any]:
    return {
        "type": "tokens_revoked",
        "tokens": {"oauth": list(user_ids or []), "bot": list(bot_user_ids or [])},
        "event_ts": event_ts,
    }


def user_change_event(user: Mapping[str, Any], *, event_ts: str) -> dict[str, Any]:
    return {"type": "user_change", "user": dict(user), "event_ts": event_ts, "cache_ts": 0}
