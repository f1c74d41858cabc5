"""Block Kit of reviews: user text escaped, mentions kept, Slack's limits respected."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from bot import blocks
from bot.replies import render
from bot.reviews.blocks import sparkline, summary
from bot.reviews.views import review_modal
from commands.results import ActionList, HealthView, OpenActionItem
from commands.reviews.content import DecisionLine, SummaryView
from commands.reviews.inputs import ReviewForm
from core.health import Finding, Rule, Severity

TODAY = date(2026, 12, 1)


def item(text: str, due: date | None = None) -> OpenActionItem:
    return OpenActionItem(
        id=7, text=text, owner="U0ALICE01", due=due, team_key="sales", kpi_key=None,
        kpi_name=None, created_at=datetime(2026, 11, 1, tzinfo=UTC),
    )  # fmt: skip


def test_summary_escapes_what_people_typed() -> None:
    view = SummaryView(
        review_id=1, team_name="Sales", meeting="Tuesday 1 Dec 2026, 10:00 EST",
        decisions=(DecisionLine("A & B", "ab", "adjust", "<!channel> said so", "≥ 1", "≥ 2",
                                "U0LEAD001"),),
        new_actions=(item("Call <@U0EVE0001>", date(2026, 11, 30)),), done_actions=1,
        carried_actions=(), without_commentary=(("Churn", "churn", "U0BOB0001"),), commented=2,
        closed_by="U0LEAD001", today=TODAY,
    )  # fmt: skip
    body = json.dumps(summary(view).blocks)
    assert "&lt;!channel&gt; said so" in body and "<!channel>" not in body
    assert "A &amp; B" in body and "Call &lt;@U0EVE0001&gt;" in body
    assert ":warning: overdue" in body and "1 already done" in body
    assert "<@U0BOB0001>" in body  # owners without commentary are named


def test_health_keeps_owner_mentions_and_escapes_names() -> None:
    finding = Finding(
        Rule.KPI_WITHOUT_TARGET, Severity.WARNING, "x", "KPI 'R&D <b>' has no target.",
        "Ask <@U0ALICE01> to set a target.",
    )  # fmt: skip
    message = render(HealthView("Sales", (finding,) * 30))
    body = json.dumps(message.blocks)
    assert "R&amp;D &lt;b&gt;" in body and "<@U0ALICE01>" in body
    assert len(message.blocks) <= blocks.MAX_BLOCKS and "10 more" in body
    assert "every focus and alignment rule holds" in json.dumps(
        render(HealthView("Sales", ())).blocks
    )


def test_action_list_has_a_done_button_per_item() -> None:
    message = render(ActionList("Yours", (item("One"), item("Two")), TODAY, "none"))
    buttons = [b["accessory"]["action_id"] for b in message.blocks if "accessory" in b]
    assert buttons == ["action_done", "action_done"]
    assert "none" in message.text or "none" in json.dumps(
        render(ActionList("Yours", (), TODAY, "none")).blocks
    )


def test_decision_modal_offers_keep_adjust_retire() -> None:
    view = review_modal(
        ReviewForm("decision", 3, "pipeline", "Pipeline", "Sales", {"target": "≥ $4M"})
    )
    outcome = next(b for b in view["blocks"] if b.get("block_id") == "outcome")
    assert [o["value"] for o in outcome["element"]["options"]] == ["keep", "adjust", "retire"]
    assert json.loads(view["private_metadata"]) == {"item": 3} and len(view["title"]["text"]) <= 24


def test_sparkline() -> None:
    assert sparkline([1, 2, 3]) == "▁▅█"
    assert sparkline([5, 5]) == "▄▄" and sparkline([1]) == ""
