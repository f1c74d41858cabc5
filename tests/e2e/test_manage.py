"""Team leads and admins define goals, KPIs and V2MOMs; everyone else is refused."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, select

from storage import repo
from storage.models import AuditEvent, Goal, Kpi

from .conftest import ADMIN, ALICE, BOB, EVE, LEAD, SALES, Harness
from .slack_text import blocks_of, text_of


def kpis(harness: Harness) -> dict[str, Kpi]:
    with Session(harness.engine) as session:
        return {k.key: k for k in session.exec(select(Kpi)).all()}


def test_lead_adds_a_kpi_in_one_line(harness: Harness) -> None:
    reply = harness.kpi(
        f'add meetings "Qualified meetings" team:sales goal:pipeline-h1 owner:<@{ALICE}|alice> '
        "target:40 baseline:25 cadence:weekly indicator:leading unit:meetings "
        'decision:"how many SDRs we need"',
        user=LEAD,
    )
    assert "Created KPI *Qualified meetings*" in text_of(reply)
    kpi = kpis(harness)["meetings"]
    assert (kpi.owner_user_id, kpi.target, kpi.baseline, kpi.unit) == (ALICE, 40, 25, "meetings")
    with Session(harness.engine) as session:
        assert [e.action for e in repo.audit_trail(session, "kpi", "meetings")] == ["kpi.create"]
    assert "Logged *40 meetings*" in text_of(harness.kpi("log meetings 40 meetings"))


def test_outsider_cannot_add_and_nothing_changes(harness: Harness) -> None:
    reply = harness.kpi(f"add nps NPS team:sales owner:<@{EVE}> target:50", user=EVE)
    assert "Only the lead of Sales" in text_of(reply)
    assert "nps" not in kpis(harness)


def test_invalid_fields_are_all_reported(harness: Harness) -> None:
    reply = harness.kpi(
        "add Bad! Name team:nowhere owner:<@U0ALICE01> target:lots cadence:weekly", user=ADMIN
    )
    body = text_of(reply)
    for fragment in ("not a valid key", "no team has the key", "target"):
        assert fragment in body


def test_focus_rule_warns_and_admin_can_force(harness: Harness) -> None:
    for i in range(3):  # alice owns 2; three more makes 5, the limit
        harness.kpi(
            f"add extra{i} Extra{i} team:marketing owner:<@{ALICE}> target:{i + 1}", user=ADMIN
        )
    reply = harness.kpi(f"add extra9 Extra9 team:marketing owner:<@{ALICE}> target:9", user=ADMIN)
    assert "would break a focus rule" in text_of(reply)
    assert "force" in text_of(reply)
    assert "extra9" not in kpis(harness)
    reply = harness.kpi(
        f"add extra9 Extra9 team:marketing owner:<@{ALICE}> target:9 force", user=ADMIN
    )
    assert "Created KPI" in text_of(reply)
    assert "extra9" in kpis(harness)


def test_lead_cannot_force_past_a_focus_rule(harness: Harness) -> None:
    for i in range(3):
        harness.kpi(f"add extra{i} Extra{i} team:sales owner:<@{ALICE}> target:1", user=LEAD)
    reply = harness.kpi(f"add extra9 Extra9 team:sales owner:<@{ALICE}> target:1 force", user=LEAD)
    assert "ask a kpibot admin" in text_of(reply)
    assert "extra9" not in kpis(harness)


def test_kpi_modal_round_trip(harness: Harness) -> None:
    harness.send("add", user=LEAD)
    view = harness.wait(lambda: harness.workspace.views_for(LEAD))[-1]
    assert view.definition["callback_id"] == "kpi_add"
    bad = harness.driver.view_submission(
        LEAD,
        view.id,
        {
            "key": {"key": "nps"},
            "name": {"name": "NPS"},
            "owner": {"owner": ALICE},
            "target": {"target": "abc"},
        },
    )
    assert bad.json()["response_action"] == "errors"
    assert "target" in bad.json()["errors"]
    assert "nps" not in kpis(harness)
    good = harness.driver.view_submission(
        LEAD,
        view.id,
        {
            "key": {"key": "nps"},
            "name": {"name": "Net promoter score"},
            "owner": {"owner": BOB},
            "team": {"team": "sales"},
            "target": {"target": "50"},
            "cadence": {"cadence": "monthly"},
        },
    )
    assert good.json()["response_action"] == "update"
    assert "Created KPI" in json.dumps(good.json()["view"]["blocks"])
    assert kpis(harness)["nps"].owner_user_id == BOB


def test_edit_modal_is_prefilled_and_saves(harness: Harness) -> None:
    harness.send("edit pipeline", user=LEAD)
    view = harness.wait(lambda: harness.workspace.views_for(LEAD))[-1]
    name_block = next(b for b in view.definition["blocks"] if b.get("block_id") == "name")
    assert name_block["element"]["initial_value"] == "Qualified pipeline"
    response = harness.driver.view_submission(LEAD, view.id, {"target": {"target": "5M"}})
    assert "target" in json.dumps(response.json()["view"]["blocks"])
    assert kpis(harness)["pipeline"].target == 5_000_000


def test_owner_handover_and_retire(harness: Harness) -> None:
    reply = harness.kpi(f"owner pipeline <@{BOB}|bob>", user=LEAD)
    assert "now owns" in text_of(reply)
    assert kpis(harness)["pipeline"].owner_user_id == BOB
    assert "Only" in text_of(harness.kpi("retire pipeline", user=ALICE))
    reply = harness.kpi("retire pipeline no longer drives hiring", user=LEAD)
    assert "Retired" in text_of(reply)
    assert kpis(harness)["pipeline"].active is False
    assert "retired" in text_of(harness.kpi("log pipeline 1M", user=BOB)).lower()
    with Session(harness.engine) as session:
        actions = [
            e.action
            for e in session.exec(select(AuditEvent).where(AuditEvent.entity_key == "pipeline"))
        ]
    assert actions[-2:] == ["kpi.owner", "kpi.retire"]


def test_goal_add_one_line_and_show(harness: Harness) -> None:
    reply = harness.kpi(
        'goal add win-more "Win 30% of deals" parent:grow-arr team:sales deadline:2027-06-30',
        user=LEAD,
    )
    assert "Created goal" in text_of(reply)
    with Session(harness.engine) as session:
        goal = session.exec(select(Goal).where(Goal.key == "win-more")).one()
        assert goal.deadline is not None and goal.deadline.isoformat() == "2027-06-30"
    shown = text_of(harness.kpi("goal show win-more"))
    assert "Nothing measures this goal yet" in shown


def test_goal_modal(harness: Harness) -> None:
    harness.send("goal add", user=ADMIN)
    view = harness.wait(lambda: harness.workspace.views_for(ADMIN))[-1]
    assert view.definition["callback_id"] == "goal_add"
    response = harness.driver.view_submission(
        ADMIN,
        view.id,
        {
            "key": {"key": "nps-goal"},
            "title": {"title": "Customers love us"},
            "deadline": {"deadline": "2027-03-31"},
        },
    )
    assert response.json()["response_action"] == "update"
    with Session(harness.engine) as session:
        assert repo.get_goal(session, "nps-goal") is not None


def test_v2mom_show_and_edit(harness: Harness) -> None:
    shown = text_of(harness.kpi("v2mom", channel=SALES))
    assert "V2MOM" in shown and "not written yet" in shown and "pipeline" in shown
    harness.send("v2mom edit", user=LEAD, channel=SALES)
    view = harness.wait(lambda: harness.workspace.views_for(LEAD))[-1]
    response = harness.driver.view_submission(
        LEAD,
        view.id,
        {
            "vision": {"vision": "Every SMB runs on us"},
            "obstacles": {"obstacles": "Long sales cycles"},
        },
    )
    assert "Saved the V2MOM" in json.dumps(response.json()["view"]["blocks"])
    assert "Every SMB runs on us" in text_of(harness.kpi("v2mom sales"))
    assert "Only" in text_of(harness.kpi("v2mom edit sales", user=EVE))


def test_log_button_opens_a_prefilled_modal(harness: Harness) -> None:
    reply = harness.kpi("show pipeline")
    assert any(b["type"] == "actions" for b in blocks_of(reply))
    harness.driver.block_action(ALICE, "log_open", "pipeline", message=reply, channel_id=SALES)
    view = harness.wait(
        lambda: [
            v
            for v in harness.workspace.views_for(ALICE)
            if v.definition.get("callback_id") == "log_value"
        ]
    )[-1]
    period = next(b for b in view.definition["blocks"] if b.get("block_id") == "period")
    assert period["element"]["initial_value"] == "2026-W48"
    wrong = harness.driver.view_submission(
        ALICE, view.id, {"value": {"value": "2.2M"}, "period": {"period": "2026-13"}}
    )
    assert "period" in wrong.json()["errors"]
    response = harness.driver.view_submission(
        ALICE, view.id, {"value": {"value": "2.2M"}, "period": {"period": "2026-W48"}}
    )
    assert "Logged" in json.dumps(response.json()["view"]["blocks"])


def test_ambiguous_name_offers_a_choice(harness: Harness) -> None:
    harness.kpi(
        "add pipeline-eu EU pipeline team:sales owner:<@U0ALICE01> target:1M unit:USD", user=LEAD
    )
    reply = harness.kpi('log "pipeline" 5', user=ALICE)
    # an exact key wins over partial name matches
    assert "Qualified pipeline" in text_of(reply)
    reply = harness.kpi("log pipe 900k")
    assert "Several KPIs match" in text_of(reply)
    button = next(b for b in blocks_of(reply) if b["type"] == "actions")["elements"][0]
    harness.driver.block_action(
        ALICE, button["action_id"], button["value"], message=reply, channel_id=SALES
    )
    logged = harness.wait(
        lambda: [e for e in harness.workspace.ephemerals_for(ALICE) if "Logged" in text_of(e)]
    )
    assert logged


@pytest.mark.parametrize(
    "evil",
    ["<!channel> look", "<@U0NOBODY1> hi", "<https://evil.example|click me>", "&lt;!here&gt;"],
)
def test_user_text_never_pings_or_links(harness: Harness, evil: str) -> None:
    harness.kpi(f"log pipeline 1M {evil}")
    harness.kpi(f'goal add evil-goal "{evil}" team:sales deadline:2027-01-31', user=LEAD)
    harness.kpi("show pipeline")
    harness.kpi("goal list")
    with Session(harness.engine) as session:
        kpi = repo.get_kpi(session, "pipeline")
        assert kpi is not None
        kpi.name = evil
        session.add(kpi)
        session.commit()
    harness.kpi("list")
    for reply in harness.workspace.ephemerals_for(ALICE) + harness.workspace.ephemerals_for(LEAD):
        body = text_of(reply)
        for token in ("<!channel>", "<!here>", "<@U0NOBODY1>", "<https://evil"):
            assert token not in body


def test_very_long_and_odd_input_is_refused_politely(harness: Harness) -> None:
    reply = harness.kpi("log pipeline 1M " + "x" * 10_000)
    assert "too long" in text_of(reply)
    reply = harness.kpi("log pipeline 1M \x00\x07 naïve 🚀 ünïcödé")
    assert "Logged" in text_of(reply)
    with Session(harness.engine) as session:
        kpi = repo.get_kpi(session, "pipeline")
        assert kpi is not None and kpi.id is not None
        stored = repo.get_measurement(session, kpi.id, "2026-W48")
        assert stored is not None and stored.note == "naïve 🚀 ünïcödé"


def test_ambiguous_show_and_edit_never_crash(harness: Harness) -> None:
    harness.kpi(
        "add pipeline-eu EU pipeline team:sales owner:<@U0BOB0001> target:1M unit:USD", user=LEAD
    )
    reply = harness.kpi("show pipe")
    assert "Several KPIs match" in text_of(reply)
    button = next(b for b in blocks_of(reply) if b["type"] == "actions")["elements"][1]
    harness.driver.block_action(
        ALICE, button["action_id"], button["value"], message=reply, channel_id=SALES
    )
    shown = harness.wait(
        lambda: [
            e
            for e in harness.workspace.ephemerals_for(ALICE)
            if "EU pipeline" in text_of(e) and "Latest" in text_of(e)
        ]
    )
    assert shown
    assert "Use the key" in text_of(harness.kpi("edit pipe", user=LEAD))
