"""Alerts end to end (issue 12): a value that moves a KPI off track DMs its owner once, however
many values and processes follow; an episode that lasts past the next period reaches the lead
once; the team channel hears alerts only when the team opted in."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlmodel import Session

from bot.alerts import job as alerts_job
from commands.alerts.settings import state_text
from core.kinds import Cadence
from storage import alert_state, repo
from storage.db import session_scope

from .conftest import ALICE, EVE, LEAD, NOW, SALES, Harness
from .slack_text import text_of

ROOT = Path(__file__).resolve().parents[2]
W49_THURSDAY = NOW + timedelta(days=7)
W50_THURSDAY = NOW + timedelta(days=14)  # past the week after the one the episode began in


def alerts_to(harness: Harness, person_or_channel: str) -> list[object]:
    return [m for m in harness.workspace.messages_in(person_or_channel) if _is_alert(m)]


def _is_alert(message: object) -> bool:
    metadata = getattr(message, "metadata", None) or {}
    key = str((metadata.get("event_payload") or {}).get("key", ""))
    return key.startswith("alert:")


def settle(harness: Harness) -> None:
    """Every listener has finished (and so planned its alerts), and their sends are done."""
    harness.drain()
    alerts_job.wait_for_sends(harness.runtime)


def store(harness: Harness, kpi_key: str, period_key: str, start: date, value: float) -> None:
    """A value stored without any event, as an import or a crashed process leaves it."""
    with session_scope(harness.engine) as session:
        kpi = repo.get_kpi(session, kpi_key)
        assert kpi is not None
        repo.log_value(
            session,
            kpi,
            period_key=period_key,
            period_start=start,
            value=value,
            note=None,
            source="import",
            by=ALICE,
            now=harness.clock[0],
        )


def test_an_off_track_value_dms_the_owner_once_and_a_second_one_sends_nothing(
    harness: Harness,
) -> None:
    harness.kpi("log pipeline 500k")
    (dm,) = harness.wait(lambda: alerts_to(harness, ALICE))
    shown = text_of(dm)
    assert "Qualified pipeline moved off track" in shown
    assert "$500k" in shown and "≥ $4M" in shown  # the value and the target
    assert "Log value" in shown and "Show" in shown
    show = next(
        e for b in dm.blocks if b["type"] == "actions" for e in b["elements"]
        if e["text"]["text"] == "Show"
    )  # fmt: skip
    harness.driver.block_action(ALICE, show["action_id"], show["value"], message=dm)
    card = harness.wait(
        lambda: [
            m
            for m in [*harness.workspace.ephemerals_for(ALICE), *harness.workspace.dm_with(ALICE)]
            if "Whether to hire another SDR" in text_of(m)
        ]
    )  # the KPI card (its decision line), shown to the owner
    assert card

    harness.kpi("log pipeline 400k")  # still off track: the same episode
    settle(harness)
    assert len(alerts_to(harness, ALICE)) == 1
    assert alerts_to(harness, SALES) == []  # the team did not ask for channel alerts
    assert alerts_to(harness, LEAD) == []  # not yet past the next period


def test_two_processes_checking_at_once_send_the_alert_once(harness: Harness) -> None:
    store(harness, "pipeline", "2026-W48", date(2026, 11, 23), 500_000)
    command = ("-m", "bot.cli", "jobs", "run", "alerts", "--now", NOW.isoformat())
    processes = [in_process(harness, *command) for _ in range(2)]
    outputs = [p.communicate(timeout=120) for p in processes]

    assert [p.returncode for p in processes] == [0, 0], outputs
    assert len(alerts_to(harness, ALICE)) == 1, outputs
    with session_scope(harness.engine) as session:
        assert "off track since 2026-W48" in alert_state_text(session)


def alert_state_text(session: Session) -> str:
    kpi = repo.get_kpi(session, "pipeline")
    assert kpi is not None and kpi.id is not None
    return state_text(alert_state.load(session, kpi.id, Cadence.WEEKLY))


def in_process(harness: Harness, *arguments: str) -> subprocess.Popen[str]:
    """`python ARGUMENTS` in a process of its own, on the harness's database and Slack."""
    url = harness.engine.url.render_as_string(hide_password=False)
    env = {k: v for k, v in os.environ.items() if not k.startswith("KPIBOT_TEST")}
    env |= {"DATABASE_URL": url, "KPIBOT_LOG_LEVEL": "WARNING"}
    return subprocess.Popen(
        [sys.executable, *arguments],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_an_episode_past_the_next_period_reaches_the_lead_once(harness: Harness) -> None:
    harness.kpi("log pipeline 500k")
    harness.wait(lambda: alerts_to(harness, ALICE))
    store(harness, "pipeline", "2026-W49", date(2026, 11, 30), 450_000)

    alerts_job.run(harness.runtime, W49_THURSDAY)  # the next period: not yet
    assert alerts_to(harness, LEAD) == []

    store(harness, "pipeline", "2026-W50", date(2026, 12, 7), 420_000)
    alerts_job.run(harness.runtime, W50_THURSDAY)
    (escalation,) = alerts_to(harness, LEAD)
    assert "has been off track since week 48" in text_of(escalation)
    alerts_job.run(harness.runtime, W50_THURSDAY + timedelta(hours=1))
    assert len(alerts_to(harness, LEAD)) == 1
    assert len(alerts_to(harness, ALICE)) == 1  # the owner heard once, at the start


def test_the_team_channel_hears_alerts_only_after_opting_in(harness: Harness) -> None:
    refused = harness.kpi("alerts channel on sales", user=EVE)
    assert "Only the lead of Sales" in text_of(refused)

    reply = harness.kpi("alerts channel on sales", user=LEAD)
    assert "go to <#C0SALES01> too" in text_of(reply)
    harness.kpi("log pipeline 500k")
    (posted,) = harness.wait(lambda: alerts_to(harness, SALES))
    assert "Qualified pipeline moved off track" in text_of(posted)
    assert "<@U0ALICE01>" in text_of(posted)  # the channel sees whose KPI it is


def test_alert_levels_are_set_listed_and_alert_when_crossed(harness: Harness) -> None:
    bad = harness.kpi("alerts set pipeline below:lots")
    assert "below:lots is not a number" in text_of(bad)
    swapped = harness.kpi("alerts set pipeline below:5M above:1M")
    assert "Swap them" in text_of(swapped)
    refused = harness.kpi("alerts set pipeline below:1M", user=EVE)
    assert "Only <@U0ALICE01>" in text_of(refused)
    with session_scope(harness.engine) as session:
        kpi = repo.get_kpi(session, "pipeline")
        assert kpi is not None and kpi.alert_below is None and kpi.alert_above is None

    done = harness.kpi("alerts set pipeline below:1M above:9M")
    assert "alerts below $1M and alerts above $9M" in text_of(done)
    harness.kpi("log pipeline 900k")
    (dm,) = harness.wait(lambda: alerts_to(harness, ALICE))
    assert "fell below the alert level of $1M (now $900k)" in text_of(dm)

    listed = text_of(harness.kpi("alerts sales"))
    assert "below $1M, above $9M" in listed
    assert "off track since 2026-W48" in listed and "below its alert level since" in listed

    cleared = harness.kpi("alerts set pipeline off")
    assert "no alert levels" in text_of(cleared)


def test_an_alert_outside_working_hours_waits_for_the_next_start(harness: Harness) -> None:
    night = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)  # 22:00 in New York
    harness.clock[0] = night
    harness.kpi("log pipeline 500k")
    settle(harness)
    assert alerts_to(harness, ALICE) == []
    alerts_job.run(harness.runtime, night + timedelta(hours=12))  # 10:00 the next morning
    assert len(alerts_to(harness, ALICE)) == 1
