"""Digest Block Kit, pacing and settings: what Slack receives, and how fast it may be sent."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.blocks import MAX_BLOCKS, MAX_SECTION, Message
from bot.digests import blocks as digest_blocks
from bot.pacing import Pacer
from bot.settings import SettingsError, load_settings
from commands.results import TeamDigest
from commands.rollup import RollupDigest, RollupGoal
from core.digest import (
    ActionItem,
    Change,
    DigestGoal,
    DigestRow,
    MissingValue,
    StatusCounts,
)
from core.kinds import Status

MONDAY = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)


def row(key: str = "pipeline", **changes: object) -> DigestRow:
    base = DigestRow(
        key=key, name="Qualified <pipeline> & more", owner="U0ALICE01", owner_name="Alice",
        period_key="2026-W48", period_label="week 48 (23-29 Nov 2026)", value="$2M",
        change=Change("+$100k (+5%)", "better", "up"), previous_label="W47",
        progress="20% of the way to $4M", status=Status.AT_RISK, reason="",
    )  # fmt: skip
    return replace(base, **changes)  # type: ignore[arg-type]


def missing(**changes: object) -> MissingValue:
    base = MissingValue(
        kpi_key="churn", kpi_name="Churn", period_label="October 2026", owner="U0BOB0001",
        owner_name="Bob", late=True,
    )  # fmt: skip
    return replace(base, **changes)  # type: ignore[arg-type]


def team(**changes: object) -> TeamDigest:
    base = TeamDigest(
        team_key="sales", team_name="Sales", channel_id="C0SALES01", lead="U0LEAD001",
        week_key="2026-W48", week_label="week 48 (23-29 Nov 2026)", moment=MONDAY,
        timezone="America/New_York", counts=StatusCounts(at_risk=1, missing=1),
        goals=(DigestGoal("pipe", "Pipeline <H1>", date(2027, 6, 30), Status.AT_RISK, (row(),)),),
        missing=(missing(),), warnings=(), more_warnings=0, action_items=(), series=(),
    )  # fmt: skip
    return replace(base, **changes)  # type: ignore[arg-type]


def text(message: Message) -> str:
    return json.dumps(message.blocks, ensure_ascii=False)


def test_the_digest_reads_header_counts_chart_goals_missing_and_how_to_log() -> None:
    message = digest_blocks.team_digest(team(), file_id="F123", alt_text="Sales chart in words")
    kinds = [b["type"] for b in message.blocks]
    assert kinds == ["header", "context", "image", "section", "section", "context"]
    assert message.blocks[0]["text"]["text"] == ":bar_chart: Sales — week 48 (23-29 Nov 2026)"
    counts = message.blocks[1]["elements"][0]["text"]
    assert counts.startswith(":large_yellow_circle: 1 at risk · :white_circle: 1 missing")
    assert counts.endswith("as of Mon 30 Nov 2026 09:00 (America/New_York)")
    assert message.blocks[2]["slack_file"] == {"id": "F123"}
    assert message.blocks[2]["alt_text"] == "Sales chart in words"
    goal = message.blocks[3]["text"]["text"]
    assert goal.startswith(":dart: *Pipeline &lt;H1&gt;* · :large_yellow_circle: at risk")
    assert (
        "*Qualified &lt;pipeline&gt; &amp; more* — *$2M* (↗ +$100k (+5%) vs W47, better) · "
        "20% of the way to $4M · Alice"
    ) in goal
    assert "<@U0ALICE01>" not in text(message)  # named, not pinged
    assert "• Churn (October 2026) — <@U0BOB0001> · *late*" in message.blocks[4]["text"]["text"]
    assert "`/kpi log KPI VALUE for 2026-W48`" in text(message)
    assert message.in_channel
    assert message.text == "Sales digest, week 48 (23-29 Nov 2026): 1 at risk, 1 missing"


@pytest.mark.parametrize(
    ("item", "line"),
    [
        (missing(late=False), "• Churn (October 2026) — Bob, not in yet"),
        (missing(owner_name=None, late=False), "• Churn (October 2026) — <@U0BOB0001>, not in yet"),
        (
            missing(away_until=date(2026, 12, 3), delegate="U0EVE0001"),
            "• Churn (October 2026) — Bob, away until 3 Dec 2026; <@U0EVE0001> logs for them · *late*",
        ),
        (
            missing(away_until=date(2026, 12, 3), late=False, delegate="U0EVE0001"),
            "• Churn (October 2026) — Bob, away until 3 Dec 2026; <@U0EVE0001> logs for them, "
            "not in yet",
        ),
        (
            missing(skipped="<trade fair>"),
            "• Churn (October 2026) — Bob, skipped: _&lt;trade fair&gt;_",
        ),
    ],
)
def test_missing_values_mention_people_only_when_late_and_not_away(
    item: MissingValue, line: str
) -> None:
    assert digest_blocks.missing_line(item) == line


def test_without_a_chart_the_digest_says_why_and_a_preview_says_it_is_private() -> None:
    message = digest_blocks.team_digest(
        team(),
        file_id=None,
        alt_text="",
        preview=True,
        chart_note="_The chart could not be attached (x)._",
    )
    body = text(message)
    assert "image" not in [b["type"] for b in message.blocks]
    assert "The chart could not be attached" in body and "Preview: only you can see this" in body
    assert not message.in_channel


def test_warnings_action_items_and_an_empty_team() -> None:
    digest = team(
        goals=(),
        missing=(),
        warnings=("KPI 'Demos' is not tied to any goal.",),
        more_warnings=2,
        action_items=(
            ActionItem("Call <the> top 5", "U0BOB0001", "Bob", date(2026, 11, 28), "Churn", True),
            ActionItem("Fix CRM", "U0EVE0001"),
        ),
    )
    body = text(digest_blocks.team_digest(digest, file_id="F1", alt_text="x"))
    assert "No KPIs yet" in body
    assert ":warning: KPI 'Demos' is not tied to any goal." in body
    assert "…and 2 more: `kpibot check --team sales`" in body
    assert "• Call &lt;the&gt; top 5 — Bob · Churn · due 28 Nov 2026 · *overdue*" in body
    assert "• Fix CRM — <@U0EVE0001>" in body


def test_a_huge_team_stays_within_slacks_limits() -> None:
    goals = tuple(
        DigestGoal(
            f"g{n}", f"Goal {n}", None, Status.ON_TRACK, tuple(row(f"k{n}{m}") for m in range(40))
        )
        for n in range(60)
    )
    message = digest_blocks.team_digest(team(goals=goals), file_id="F1", alt_text="x")
    assert len(message.blocks) <= MAX_BLOCKS
    assert all(len(b.get("text", {}).get("text", "")) <= MAX_SECTION + 100 for b in message.blocks)
    assert "too long to show in full" in text(message)


def test_the_rollup_is_an_indented_goal_tree_with_counts() -> None:
    nodes = (
        RollupGoal("grow", "Grow ARR", 0, None, None, Status.AT_RISK, StatusCounts(1, 1, 0, 1)),
        RollupGoal("pipe", "Pipeline", 1, "Sales", None, Status.AT_RISK, StatusCounts(0, 1)),
        RollupGoal("idle", "Idle goal", 0, None, None, Status.NO_DATA, StatusCounts()),
    )
    rollup = RollupDigest("2026-W48", "week 48 (23-29 Nov 2026)", MONDAY, "UTC",
                          StatusCounts(1, 1, 0, 1), nodes, ())  # fmt: skip
    message = digest_blocks.rollup(rollup, file_id="F9", alt_text="bars")
    body = message.blocks[3]["text"]["text"]
    assert body.splitlines() == [
        ":large_yellow_circle: *Grow ARR* · 1/3 KPIs on track",
        "\u2003:large_yellow_circle: *Pipeline* · Sales · 0/1 KPIs on track",
        ":white_circle: *Idle goal* · no KPIs",
    ]
    assert message.blocks[2]["slack_file"] == {"id": "F9"}
    many = replace(rollup, goals=tuple(replace(nodes[0], key=f"g{n}") for n in range(2000)))
    big = digest_blocks.rollup(many, file_id=None, alt_text="")
    assert len(big.blocks) <= MAX_BLOCKS
    assert "more goals: `/kpi goal list` shows all." in text(big)


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_the_pacer_keeps_tier_4_uploads_to_100_a_minute_after_a_short_burst() -> None:
    fake = FakeTime()
    pacer = Pacer(clock=fake.clock, sleep=fake.sleep, burst_seconds=6)
    for _ in range(110):
        pacer.take("files.getUploadURLExternal", "files.completeUploadExternal")
    # 10 at once (6 s of allowance), then one every 0.6 s
    assert fake.now == pytest.approx(100 * 0.6)
    assert pacer.waited == pytest.approx(fake.now)


def test_the_pacer_paces_messages_per_channel_and_honours_a_429() -> None:
    fake = FakeTime()
    pacer = Pacer(clock=fake.clock, sleep=fake.sleep)
    for channel in ("C1", "C2", "C3"):
        pacer.take("chat.postMessage", channel=channel)
        pacer.take("chat.postMessage", channel=channel)
    assert fake.now == 0  # different channels, and a burst of two each
    pacer.take("chat.postMessage", channel="C1")
    assert fake.now == pytest.approx(1.0)
    pacer.pause("chat.update", 30)
    pacer.take("chat.update")
    assert fake.now == pytest.approx(31.0)


def test_the_leadership_channel_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_settings(env_file=None).leadership_channel is None
    monkeypatch.setenv("KPIBOT_LEADERSHIP_CHANNEL", " C0LEADERS ")
    monkeypatch.setenv("KPIBOT_RENDER_WORKERS", "0")
    settings = load_settings(env_file=None)
    assert (settings.leadership_channel, settings.render_workers) == ("C0LEADERS", 0)
    monkeypatch.setenv("KPIBOT_LEADERSHIP_CHANNEL", "#leadership")
    with pytest.raises(
        SettingsError, match="KPIBOT_LEADERSHIP_CHANNEL: expected a Slack channel ID"
    ):
        load_settings(env_file=None)


def test_a_kpi_line_says_the_trend_in_words_and_never_points_against_the_numbers() -> None:
    from bot.blocks import kpi_line
    from commands.results import KpiRow
    from core.kinds import Trend

    row = KpiRow(
        key="cac", name="Customer acquisition cost", owner="U0SAM", team=None, goal=None,
        cadence="monthly", indicator="lagging", latest="$11.1k", latest_period="Oct",
        target="≤ $9k", status=Status.AT_RISK, trend=Trend.IMPROVING, reason="",
    )  # fmt: skip
    line = kpi_line(row)
    assert "*$11.1k* (Oct) · improving" in line
    assert not any(arrow in line for arrow in "↗↘→")
