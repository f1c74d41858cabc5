"""Modals for a review's KPI (commentary, decision, action item), and Block Kit for the open
action items and the alignment report."""

from __future__ import annotations

import json
import re
from typing import Any

from bot import ids
from bot.blocks import MAX_BLOCKS, Block, Message, button, context, header, section
from bot.modals import date_input, text_input, user_input
from bot.reviews.blocks import action_line
from commands.reviews.inputs import MAX_COMMENT, MAX_REASON, ReviewForm
from commands.reviews.results import ActionList, HealthView
from commands.text import esc
from core.health import Severity

_MENTION = re.compile(r"&lt;@([UW][A-Z0-9]+)&gt;")
SEVERITY_EMOJI = {Severity.WARNING: ":warning:", Severity.NOTICE: ":information_source:"}
MAX_FINDINGS = 20  # two blocks each, within Slack's 50


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text[:75], "emoji": True}


def _modal(
    callback_id: str, title: str, blocks: list[Block], form: ReviewForm, submit: str
) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": _plain(title[:24]),
        "submit": _plain(submit),
        "close": _plain("Cancel"),
        "private_metadata": json.dumps({"item": form.item_id}),
        "blocks": blocks,
    }


def _about(form: ReviewForm) -> Block:
    return section(f"*{esc(form.kpi_name)}* `{form.kpi_key}` — {esc(form.team_name)} review")


def review_modal(form: ReviewForm) -> dict[str, Any]:
    if form.kind == "comment":
        blocks = [
            _about(form),
            text_input(
                "comment",
                "The story behind the number",
                optional=False,
                multiline=True,
                max_length=MAX_COMMENT,
                placeholder="What happened, and what are we doing about it?",
            ),
        ]
        return _modal(ids.REVIEW_COMMENT, "Add commentary", blocks, form, "Add")
    if form.kind == "decision":
        choices = [
            ("keep", "Keep", "It still informs a decision."),
            ("adjust", "Adjust the target", "Keep it with a new target."),
            ("retire", "Retire", "Archive it; its history is kept."),
        ]
        outcome = {
            "type": "input",
            "block_id": "outcome",
            "label": _plain("Decision"),
            "element": {
                "type": "radio_buttons",
                "action_id": "outcome",
                "options": [
                    {"text": _plain(label), "value": value, "description": _plain(hint)}
                    for value, label, hint in choices
                ],
            },
        }
        blocks = [
            _about(form),
            context(f"Target now: {esc(form.initial.get('target', 'none'))}"),
            outcome,
            text_input("reason", "Reason", optional=False, multiline=True, max_length=MAX_REASON),
            text_input(
                "target",
                "New target (when adjusting)",
                max_length=60,
                placeholder="5M, 95%, 90 to 110",
            ),
        ]
        return _modal(ids.REVIEW_DECISION, "Decision", blocks, form, "Record")
    blocks = [
        _about(form),
        text_input("text", "What needs doing", optional=False, max_length=500),
        user_input("owner", "Owner", initial=str(form.initial.get("owner", ""))),
        date_input("due", "Due date"),
    ]
    return _modal(ids.REVIEW_ACTION, "Add action item", blocks, form, "Add")


def render(result: ActionList | HealthView) -> Message:
    return action_list(result) if isinstance(result, ActionList) else health(result)


def action_list(result: ActionList) -> Message:
    title = esc(result.title)
    if not result.items:
        return Message(text=f"{title}: none", blocks=[section(f"*{title}*\n{result.empty_hint}")])
    blocks: list[Block] = [section(f"*{title}* ({len(result.items)})")]
    shown = result.items[: MAX_BLOCKS - 2]
    for item in shown:
        blocks.append(
            section(
                action_line(item, result.today),
                accessory=button("Done", ids.ACTION_DONE, str(item.id)),
            )
        )
    if len(result.items) > len(shown):
        blocks.append(context(f"…and {len(result.items) - len(shown)} more."))
    return Message(text=f"{title}: {len(result.items)}", blocks=blocks)


def _mrkdwn(text: str) -> str:
    """Findings carry names people typed, and mentions of owners as ``<@U...>``: escape the
    text, then let the mentions through."""
    return _MENTION.sub(r"<@\1>", esc(text))


def health(result: HealthView) -> Message:
    scope = esc(result.scope)
    blocks: list[Block] = [header(f"Alignment check — {result.scope}")]
    if not result.findings:
        blocks.append(section(f":white_check_mark: {scope}: every focus and alignment rule holds."))
        return Message(text=f"{scope}: every rule holds", blocks=blocks)
    tone = ":warning:" if result.warnings else ":information_source:"
    blocks.append(
        section(
            f"{tone} {scope}: {result.warnings} warning(s), {result.notices} notice(s). "
            "Warnings break a rule (`kpibot check` fails on them); notices are worth a look."
        )
    )
    for finding in result.findings[:MAX_FINDINGS]:
        blocks.append(section(f"{SEVERITY_EMOJI[finding.severity]} {_mrkdwn(finding.message)}"))
        blocks.append(context(f":bulb: {_mrkdwn(finding.advice)}"))
    if len(result.findings) > MAX_FINDINGS:
        rest = len(result.findings) - MAX_FINDINGS
        blocks.append(context(f"…and {rest} more: `kpibot check` lists every finding."))
    return Message(
        text=f"{scope}: {result.warnings} warnings, {result.notices} notices", blocks=blocks
    )
