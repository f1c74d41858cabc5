"""Reminder DMs in Block Kit: short, escaped, within Slack's limits, answered items marked."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from bot.reminders.blocks import MAX_ITEMS, render, skip_modal
from commands.reminders.messages import MissingPeriod, NudgeItem, ReminderMessage, SkipForm
from core.kinds import Status

ITEM = NudgeItem(
    nudge_id=7,
    kpi_key="pipeline",
    kpi_name="Qualified pipeline",
    owner="U0ALICE01",
    period_key="2026-W48",
    period_label="week 48 (23-29 Nov 2026)",
    latest="$1.2M",
    latest_period="week 47 (16-22 Nov 2026)",
    target="≥ $4M",
    status=Status.AT_RISK,
    reason="behind pace",
    state="open",
    attempt=1,
)


def text(blocks: list[dict[str, Any]]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def message(*items: NudgeItem, recipient: str = "U0ALICE01", kind: Any = "reminder") -> Any:
    return ReminderMessage(delivery_id=3, kind=kind, recipient=recipient, items=items)


def test_one_kpi_due() -> None:
    rendered = render(message(ITEM))
    body = text(rendered.blocks)
    assert "Hi! A value for *Qualified pipeline* is due." in body
    assert "Last: *$1.2M* (week 47 (16-22 Nov 2026)) · target ≥ $4M" in body
    assert ":large_yellow_circle: at risk" in body
    buttons = [e for b in rendered.blocks if b["type"] == "actions" for e in b["elements"]]
    assert [(b["action_id"], b["value"]) for b in buttons] == [
        ("reminder_log", "7"),
        ("reminder_skip", "7"),
        ("reminder_snooze_later", '{"delivery": 3}'),
        ("reminder_snooze_tomorrow", '{"delivery": 3}'),
    ]
    assert rendered.text == "KPI values due: Qualified pipeline for week 48 (23-29 Nov 2026)"


def test_names_people_typed_are_escaped() -> None:
    evil = replace(ITEM, kpi_name="<!channel> & co", latest=None, latest_period=None)
    body = text(render(message(evil)).blocks)
    assert "&lt;!channel&gt; &amp; co" in body and "<!channel>" not in body
    assert "_no value yet_" in body


def test_a_follow_up_and_a_delegate() -> None:
    second = replace(ITEM, attempt=2)
    other = replace(ITEM, nudge_id=8, kpi_name="Win rate", attempt=1)
    body = text(render(message(second, other, recipient="U0EVE0001")).blocks)
    assert "Friendly nudge: 2 KPI values are still open." in body
    assert "You're covering for <@U0ALICE01> while they're away." in body


def test_answered_items_stay_marked_without_buttons() -> None:
    logged = replace(ITEM, state="logged", logged="$1.3M")
    skipped = replace(ITEM, nudge_id=8, state="skipped", skip_reason="offsite")
    rendered = render(message(logged, skipped))
    body = text(rendered.blocks)
    assert "All done here, thanks!" in body
    assert "Logged *$1.3M*" in body and "Skipped: offsite" in body
    assert not [b for b in rendered.blocks if b["type"] == "actions"]


def test_many_items_stay_within_slacks_block_limit() -> None:
    items = [replace(ITEM, nudge_id=n, kpi_name=f"KPI {n}") for n in range(40)]
    rendered = render(message(*items))
    assert len(rendered.blocks) <= 50
    assert f"…and {40 - MAX_ITEMS} more" in text(rendered.blocks)
    assert len(rendered.text) <= 3000


def test_the_leads_late_notice() -> None:
    late = render(message(replace(ITEM, late=True), recipient="U0LEAD001", kind="late"))
    assert "<@U0ALICE01> hasn't logged *Qualified pipeline* for week 48" in text(late.blocks)
    done = render(message(replace(ITEM, state="logged", logged="$1M"), kind="late"))
    assert "All caught up" in text(done.blocks)


def test_the_skip_form_asks_for_a_reason() -> None:
    view = skip_modal(SkipForm(7, "Qualified <pipeline>", "week 48"), channel="D1")
    assert view["callback_id"] == "reminder_skip"
    assert json.loads(view["private_metadata"]) == {"nudge": 7, "channel": "D1"}
    reason = next(b for b in view["blocks"] if b.get("block_id") == "reason")
    assert reason["element"]["max_length"] == 500 and not reason.get("optional")
    assert "Qualified &lt;pipeline&gt;" in text(view["blocks"])


def _missing(week: int, late: bool = False) -> MissingPeriod:
    return MissingPeriod("pipeline", "Qualified <pipeline>", f"2026-W{week}", f"week {week}", late)


def test_other_missing_periods_are_listed_with_their_own_log_button() -> None:
    waiting = replace(message(ITEM), still_missing=(_missing(47, late=True),))
    body = text(render(waiting).blocks)
    assert "*Also without a value:*" in body and "week 47 · _late_" in body
    assert "Qualified &lt;pipeline&gt;" in body
    log = [b["accessory"] for b in render(waiting).blocks if "accessory" in b]
    assert [(b["action_id"], b["value"]) for b in log] == [("log_open", "pipeline 2026-W47")]

    answered = replace(waiting, items=(replace(ITEM, state="logged", logged="$1.3M"),))
    rendered = render(answered)
    assert "All done" not in text(rendered.blocks)
    assert rendered.blocks[0]["text"]["text"].startswith(":white_check_mark: Thanks! Still without")
    assert rendered.text == "Still without a value: Qualified <pipeline> for week 47."
    assert "All done" in text(render(replace(answered, still_missing=())).blocks)


def test_a_full_message_keeps_within_slacks_block_limit() -> None:
    items = tuple(replace(ITEM, nudge_id=n, kpi_key=f"k{n}") for n in range(MAX_ITEMS + 3))
    many = tuple(_missing(w) for w in range(30, 45))
    blocks = render(replace(message(*items), still_missing=many)).blocks
    assert len(blocks) <= 50
    assert any("snooze" in json.dumps(b) for b in blocks)  # snooze survives the squeeze
