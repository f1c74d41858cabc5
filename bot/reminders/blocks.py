"""Block Kit for reminder DMs, the lead's late notice, and the skip-a-period form.

Short and friendly: one line of greeting, then each KPI with its last value, target and status
and two buttons; then the other periods those KPIs still owe, each with its own Log value
button; Snooze at the bottom. Answered KPIs stay in the message, marked as done, and "All
done" is said only when nothing is missing any more.
"""

from __future__ import annotations

import json
from typing import Any

from bot import ids
from bot.blocks import STATUS_EMOJI, Block, Message, button, context, section
from commands.reminders.messages import MissingPeriod, NudgeItem, ReminderMessage, SkipForm
from commands.text import esc

MAX_ITEMS = 14  # three blocks each stays within Slack's 50 per message
MAX_BLOCKS = 50
MAX_MISSING = 5  # other missing periods listed; the Home tab has them all


def render(message: ReminderMessage) -> Message:
    return late_notice(message) if message.kind == "late" else reminder(message)


def reminder(message: ReminderMessage) -> Message:
    items = message.items
    waiting = message.open_items
    blocks: list[Block] = [section(_greeting(message))]
    for item in items[:MAX_ITEMS]:
        blocks.extend(_item(item, buttons=True))
    if len(items) > MAX_ITEMS:
        rest = len(items) - MAX_ITEMS
        blocks.append(context(f"…and {rest} more: `/kpi mine` shows them all."))
    room = MAX_BLOCKS - len(blocks) - 3  # the snooze buttons and their note stay
    blocks.extend(_still_missing(message, room))
    if waiting:
        snooze = {"delivery": message.delivery_id}
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    button("Snooze: later today", ids.REMINDER_SNOOZE_LATER, json.dumps(snooze)),
                    button(
                        "Snooze: tomorrow morning", ids.REMINDER_SNOOZE_TOMORROW, json.dumps(snooze)
                    ),
                ],
            }
        )
        if message.snoozed_until:
            blocks.append(context(f":alarm_clock: Snoozed until {esc(message.snoozed_until)}."))
    return Message(text=_fallback(message), blocks=blocks)


def late_notice(message: ReminderMessage) -> Message:
    owners = list(dict.fromkeys(i.owner for i in message.items))
    who = ", ".join(f"<@{o}>" for o in owners)
    waiting = message.open_items
    if waiting:
        intro = (
            f":hourglass: Heads-up: {who} hasn't logged "
            + _names(waiting)
            + " after the reminders, so it's marked late. A quick nudge may help."
        )
    else:
        intro = f":white_check_mark: All caught up: {who} has answered. Thanks!"
    blocks: list[Block] = [section(intro)]
    for item in message.items[:MAX_ITEMS]:
        blocks.extend(_item(item, buttons=True))
    text = f"Late KPI values from {', '.join(owners)}" if waiting else "Late KPIs: all caught up"
    return Message(text=text, blocks=blocks)


def _still_missing(message: ReminderMessage, room: int) -> list[Block]:
    """The other periods the message's KPIs owe, oldest first, each with a Log value button."""
    missing = message.still_missing
    if not missing or room < 3:
        return []
    title = "Still without a value" if not message.open_items else "Also without a value"
    shown = missing[: min(MAX_MISSING, room - 2)]
    out: list[Block] = [section(f"*{title}:*")]
    out.extend(_missing(period) for period in shown)
    if len(missing) > len(shown):
        rest = len(missing) - len(shown)
        out.append(context(f"…and {rest} more: your Home tab lists them all."))
    return out


def _missing(period: MissingPeriod) -> Block:
    when = "late" if period.late else "due"
    return section(
        f"*{esc(period.kpi_name)}* `{period.kpi_key}` — {esc(period.period_label)} · _{when}_",
        accessory=button("Log value", ids.LOG_OPEN, f"{period.kpi_key} {period.period_key}"),
    )


def _greeting(message: ReminderMessage) -> str:
    waiting = message.open_items
    if not waiting:
        if message.still_missing:
            return ":white_check_mark: Thanks! " + _owed(message.still_missing)
        return ":white_check_mark: All done here, thanks!"
    covering = message.covering_for
    behalf = (
        " You're covering for " + ", ".join(f"<@{o}>" for o in covering) + " while they're away."
        if covering
        else ""
    )
    if len(waiting) == 1:
        name = f"*{esc(waiting[0].kpi_name)}*"
        if message.follow_up:
            return f":wave: Friendly nudge: the value for {name} is still open.{behalf}"
        return f":wave: Hi! A value for {name} is due.{behalf}"
    if message.follow_up:
        return f":wave: Friendly nudge: {len(waiting)} KPI values are still open.{behalf}"
    return f":wave: Hi! {len(waiting)} KPI values are due.{behalf}"


def _owed(missing: tuple[MissingPeriod, ...], *, plain: bool = False) -> str:
    """What is still missing, in mrkdwn, or ``plain`` for the notification text."""
    shown = [
        f"{m.kpi_name} for {m.period_label}"
        if plain
        else f"*{esc(m.kpi_name)}* for {esc(m.period_label)}"
        for m in missing[:3]
    ]
    more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
    return "Still without a value: " + ", ".join(shown) + more + "."


def _names(items: tuple[NudgeItem, ...]) -> str:
    shown = [f"*{esc(i.kpi_name)}* for {esc(i.period_label)}" for i in items[:3]]
    more = f" and {len(items) - 3} more" if len(items) > 3 else ""
    return ", ".join(shown) + more


def _item(item: NudgeItem, *, buttons: bool) -> list[Block]:
    latest = (
        f"*{esc(item.latest)}*" + (f" ({esc(item.latest_period)})" if item.latest_period else "")
        if item.latest
        else "_no value yet_"
    )
    line = (
        f"*{esc(item.kpi_name)}* `{item.kpi_key}` — {esc(item.period_label)}\n"
        f"Last: {latest} · target {esc(item.target)} · "
        f"{STATUS_EMOJI[item.status]} {item.status.label}"
    )
    out: list[Block] = [section(line)]
    if item.state == "logged":
        out.append(context(f":white_check_mark: Logged *{esc(item.logged or '')}*. Thanks!"))
    elif item.state == "skipped":
        out.append(context(f":fast_forward: Skipped: {esc(item.skip_reason or '')}"))
    elif item.state == "closed":
        out.append(context("_This KPI was retired: no value needed._"))
    elif item.filled is not None:
        out.extend(_filled(item, buttons=buttons))
    elif buttons:
        value = str(item.nudge_id)
        out.append(
            {
                "type": "actions",
                "elements": [
                    button("Log value", ids.REMINDER_LOG, value, style="primary"),
                    button("Skip this period", ids.REMINDER_SKIP, value),
                ],
            }
        )
    return out


def _filled(item: NudgeItem, *, buttons: bool) -> list[Block]:
    """A pulled value awaiting the owner: Confirm it, Correct it, or Add why (a note)."""
    line = (
        f":inbox_tray: Filled in *{esc(item.filled or '')}* from *{esc(item.filled_from or '')}* "
        f"for {esc(item.period_label)}"
    )
    if not buttons:
        return [context(line)]
    value = str(item.nudge_id)
    return [
        context(line),
        {
            "type": "actions",
            "elements": [
                button("Confirm", ids.SOURCE_CONFIRM, value, style="primary"),
                button("Correct", ids.REMINDER_LOG, value),
                button("Add why", ids.SOURCE_ADD_WHY, value),
            ],
        },
    ]


def _fallback(message: ReminderMessage) -> str:
    waiting = message.open_items
    if not waiting:
        if message.still_missing:
            return _owed(message.still_missing, plain=True)
        return "All done, thanks!"
    names = "; ".join(f"{i.kpi_name} for {i.period_label}" for i in waiting[:5])
    return f"KPI values due: {names}"[:3000]


def skip_modal(form: SkipForm, *, channel: str | None) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": ids.REMINDER_SKIP_FORM,
        "title": {"type": "plain_text", "text": "Skip this period"},
        "submit": {"type": "plain_text", "text": "Skip"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": json.dumps({"nudge": form.nudge_id, "channel": channel}),
        "blocks": [
            section(f"*{esc(form.kpi_name)}* — {esc(form.period_label)}"),
            {
                "type": "input",
                "block_id": "reason",
                "label": {"type": "plain_text", "text": "Why is there no value this period?"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": "reason",
                    "multiline": True,
                    "max_length": 500,
                    "placeholder": {"type": "plain_text", "text": "e.g. the team was offsite"},
                },
            },
        ],
    }
