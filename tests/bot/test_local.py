"""`kpibot local`: the demo company it seeds, how it finds its database, its jobs for the clock
control, and the command itself started and stopped."""

from __future__ import annotations

import re
import socket
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import yaml
from sqlalchemy import Engine
from sqlmodel import select

from bot.cli import main
from bot.listeners.slash import COMMAND
from bot.local import demo
from bot.local import run as run_module
from bot.local.jobs import KpibotControl
from bot.local.run import LOCAL_DATABASE_URL, database_url, forget, run_local
from bot.local.stack import BOT_EVENTS, MESSAGES_TAB_READ_ONLY
from bot.runtime import policy_from
from bot.settings import load_settings
from commands import insight
from commands.context import Context
from commands.health import periods_missing
from core.cadence import period_for
from core.kinds import Status
from localslack import FakeClock
from storage import repo
from storage.db import session_scope
from storage.models import Measurement

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)  # a Thursday


def _seed(engine: Engine) -> demo.Seeded:
    return demo.seed(engine, now=NOW, policy=policy_from(load_settings(env_file=None)))


def test_the_demo_company_is_seeded_once(engine: Engine) -> None:
    seeded = _seed(engine)
    assert (seeded.teams, seeded.kpis) == (4, 11)
    assert seeded.values > 80  # a few months of history
    assert _seed(engine) == demo.Seeded(0, 0, 0)  # a database with teams is left alone

    with session_scope(engine) as session:
        goals = repo.list_goals(session)
        assert len(goals) == 6
        assert all(g.deadline and g.deadline > NOW.date() for g in goals)
        parents = {g.key: g.parent_id for g in goals}
        assert parents["grow-arr"] is None
        assert parents["qualified-pipeline"] is not None  # goals cascade
        kpis = repo.list_kpis(session)
        assert {k.owner_user_id for k in kpis} <= {p.key for p in demo.company(NOW.date()).people}


def test_one_value_is_late_and_one_owner_is_away(engine: Engine) -> None:
    _seed(engine)
    with session_scope(engine) as session:
        missing = {}
        for kpi in repo.list_kpis(session):
            team = repo.get_team_by_id(session, kpi.team_id)
            assert team is not None
            assert team.timezone is not None
            latest = repo.latest_measurements(session, [kpi.id or 0]).get(kpi.id or 0)
            missing[kpi.key] = periods_missing(kpi, latest, ZoneInfo(team.timezone), NOW)
        assert missing[demo.LATE_KPI] == 1
        assert missing["activation"] == 1  # Tomás's, and he is away
        assert {k for k, n in missing.items() if n} == {demo.LATE_KPI, "activation"}

        away = repo.get_person(session, demo.AWAY)
        assert away is not None
        assert away.delegate_user_id == demo.DELEGATE
        assert away.away_until == NOW.date() + timedelta(days=demo.AWAY_DAYS)


# Across the year: the goals' deadlines are placed relative to the year, so the pace a KPI is
# held to moves with the date the demo is tried on.
@pytest.mark.parametrize(
    "now",
    [
        NOW,
        datetime(2026, 1, 14, 9, 0, tzinfo=UTC),
        datetime(2026, 6, 17, 12, 0, tzinfo=UTC),
        datetime(2026, 12, 30, 18, 0, tzinfo=UTC),
    ],
    ids=["november", "january", "june", "december"],
)
def test_the_demo_shows_every_status(engine: Engine, now: datetime) -> None:
    """A demo that is all green teaches nothing: the seeded data, judged by the real status
    rules, has KPIs on track, at risk and off track, and one whose value is late."""
    policy = policy_from(load_settings(env_file=None))
    demo.seed(engine, now=now, policy=policy)
    with session_scope(engine) as session:
        ctx = Context(session=session, actor=demo.ADMIN, now=now, policy=policy)
        kpis = repo.list_kpis(session)
        statuses = {f.kpi.key: f.assessment.status for f in insight.gather(ctx, kpis)}
        late = []
        for kpi in kpis:
            team = repo.get_team_by_id(session, kpi.team_id)
            assert team is not None and team.timezone is not None
            latest = repo.latest_measurements(session, [kpi.id or 0]).get(kpi.id or 0)
            if periods_missing(kpi, latest, ZoneInfo(team.timezone), now):
                late.append(kpi.key)
    shown = set(statuses.values())
    assert {Status.ON_TRACK, Status.AT_RISK, Status.OFF_TRACK} <= shown, statuses
    assert demo.LATE_KPI in late


def test_the_demo_shows_a_projected_miss_a_seasonal_target_and_a_formula_kpi(
    engine: Engine,
) -> None:
    _seed(engine)
    policy = policy_from(load_settings(env_file=None))
    with session_scope(engine) as session:
        ctx = Context(session=session, actor=demo.DEFAULT_USER, now=NOW, policy=policy)
        facts = {f.kpi.key: f for f in insight.gather(ctx, repo.list_kpis(session))}
        lines = {key: insight.outlook_of(f).line for key, f in facts.items()}
        assert "misses 120 leads by" in lines["mqls"]
        assert any("— hits" in line for line in lines.values())
        new_arr = facts["new-arr"]
        assert new_arr.row.target == "≥ $260k for October 2026"  # its own month's target
        assert insight.series_for(ctx, new_arr).targets is not None
        win_rate = facts["win-rate"]
        assert win_rate.kpi.formula == "won / opportunities * 100"
        assert [round(m.value, 1) for m in win_rate.values] == [22.2, 24.1, 24.7, 25.5, 28.0]
        assert {m.source for m in win_rate.values} == {"formula"}


def test_history_counts_periods_back_from_now(engine: Engine) -> None:
    _seed(engine)
    with session_scope(engine) as session:
        pipeline = repo.get_kpi(session, "pipeline")
        assert pipeline is not None
        values = session.exec(select(Measurement).where(Measurement.kpi_id == pipeline.id)).all()
        keys = sorted(m.period_key for m in values)
        current = period_for(pipeline.cadence, NOW, ZoneInfo("America/New_York"))
        assert keys[-1] == current.previous().key  # last week: the latest finished one
        assert len(keys) == 16
        assert "two enterprise deals" in " ".join(m.note or "" for m in values)


def test_the_workspace_has_the_demo_people_and_a_channel_per_team() -> None:
    spec = demo.company(NOW.date())
    ws = demo.make_workspace(spec, FakeClock(NOW.timestamp()))
    people = {u.id: u for u in ws.users if not u.is_bot}
    assert set(people) == {p.key for p in spec.people}
    assert people["U0DEMOPRIYA"].tz == "Europe/London"
    assert people["U0DEMOMAYA"].real_name == "Maya Okafor"
    assert people[demo.AWAY].name == "tomas"  # a handle as Slack would make it
    assert people[demo.ADMIN].is_admin
    channels = {c.id: c.name for c in ws.channels}
    assert channels == {
        "C0DEMOGENRL": "general",
        "C0DEMOSALES": "sales",
        "C0DEMOMRKT": "marketing",
        "C0DEMOCS": "customer-success",
        "C0DEMOPROD": "product",
    }
    assert all(set(people) <= set(c.members) for c in ws.channels)


def test_the_workspace_learns_people_and_channels_the_database_added(engine: Engine) -> None:
    _seed(engine)
    with session_scope(engine) as session:
        kpi = repo.get_kpi(session, "cac")
        assert kpi is not None
        kpi.owner_user_id = "U0NEWHIRE"
        team = repo.get_team(session, "marketing")
        assert team is not None
        team.channel_id = "C0NEWROOM"
    ws = demo.make_workspace(demo.company(NOW.date()), FakeClock(NOW.timestamp()))
    demo.add_database_people(ws, engine)
    assert ws.user("U0NEWHIRE") is not None
    channel = ws.channel("C0NEWROOM")
    assert channel is not None
    assert channel.name == "marketing"


def test_what_the_stack_tells_the_page_matches_the_manifest() -> None:
    manifest = yaml.safe_load((ROOT / "app_manifest.yml").read_text(encoding="utf-8"))
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == BOT_EVENTS
    home = manifest["features"]["app_home"]
    assert home["messages_tab_read_only_enabled"] is MESSAGES_TAB_READ_ONLY
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == [COMMAND]


# --- the clock control's jobs --------------------------------------------------------------------


def test_jobs_run_as_of_the_chosen_time_and_failures_are_reported() -> None:
    calls: list[tuple[Any, datetime]] = []

    def reminders(rt: Any, at: datetime) -> str:
        calls.append((rt, at))
        return "Sent 2 messages"

    def digest(rt: Any, at: datetime) -> None:
        raise RuntimeError("no channel")

    runtime: Any = object()
    control = KpibotControl(runtime, jobs=lambda: {"reminders": reminders, "digest": digest})
    assert control.job_names() == ["reminders", "digest"]
    reports = control.run_jobs(["reminders", "digest", "nope"], NOW)
    assert [(r.name, r.ok) for r in reports] == [
        ("reminders", True),
        ("digest", False),
        ("nope", False),
    ]
    assert reports[0].summary == "Sent 2 messages"
    assert "no channel" in reports[1].summary
    assert calls == [(runtime, NOW)]


def test_back_to_real_time_forgets_values_logged_ahead_of_it(engine: Engine) -> None:
    """Values logged while the clock was moved ahead would stay the latest for days."""
    _seed(engine)
    with session_scope(engine) as session:
        kpi = repo.get_kpi(session, demo.LATE_KPI)
        assert kpi is not None
        before = repo.latest_measurements(session, [kpi.id or 0])[kpi.id or 0]
        ahead = Measurement(
            kpi_id=kpi.id or 0,
            period_key="2026-W49",
            period_start=datetime(2026, 11, 30, tzinfo=UTC).date(),
            value=97,
            logged_by="U0DEMOSAM",
            logged_at=NOW + timedelta(days=4),
        )
        session.add(ahead)
        session.flush()
        assert repo.latest_measurements(session, [kpi.id or 0])[kpi.id or 0].value == 97
    runtime: Any = type("Rt", (), {"engine": engine})()
    KpibotControl(runtime, jobs=dict).back_to(NOW)
    with session_scope(engine) as session:
        latest = repo.latest_measurements(session, [kpi.id or 0])[kpi.id or 0]
        assert (latest.period_key, latest.value) == (before.period_key, before.value)
        assert session.exec(select(Measurement)).all()  # the history before it stays


# --- the command -------------------------------------------------------------------------------


def test_the_local_database_is_used_unless_database_url_is_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert database_url(load_settings(env_file=None)) == LOCAL_DATABASE_URL
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://kpibot@db/kpibot")
    assert database_url(load_settings(env_file=None)) == "postgresql+psycopg://kpibot@db/kpibot"


def test_fresh_deletes_only_a_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "local.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").write_bytes(b"x")
    assert forget(f"sqlite:///{path}") == path
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match="only deletes a SQLite"):
        forget("postgresql+psycopg://kpibot@db/kpibot")


def test_fresh_refuses_a_server_database(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://kpibot@127.0.0.1:9/kpibot")
    assert main(["local", "--fresh", "--no-browser"]) == 2
    assert "only deletes a SQLite" in capsys.readouterr().err


def test_kpibot_local_starts_seeds_serves_the_page_and_stops(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'local.sqlite3'}")
    settings = load_settings(env_file=None)
    stop = threading.Event()
    result: list[int] = []
    runner = threading.Thread(
        target=lambda: result.append(run_local(settings, port=0, open_browser=False, stop=stop))
    )
    runner.start()
    printed: list[str] = []
    try:
        url = _wait_for_url(capsys, printed)
        page = httpx.get(url, timeout=10, trust_env=False)
        assert page.status_code == 200
        assert "<title>" in page.text
        state = httpx.get(f"{url}ui/state", timeout=10, trust_env=False).json()
        assert state["me"] == demo.DEFAULT_USER
        assert state["team"]["name"] == demo.TEAM_NAME
    finally:
        stop.set()
        runner.join(30)
    assert result == [0]
    assert "Seeded the demo company: 4 teams, 11 KPIs" in "".join(printed)


def _wait_for_url(capsys: pytest.CaptureFixture[str], printed: list[str]) -> str:
    """The page's address, as `kpibot local` prints it once everything is up."""
    deadline = datetime.now(UTC) + timedelta(seconds=60)
    while datetime.now(UTC) < deadline:
        printed.append(capsys.readouterr().out)
        found = re.search(r"kpibot local workspace: (http://127\.0\.0\.1:\d+/)", "".join(printed))
        if found:
            return found.group(1)
        threading.Event().wait(0.05)
    raise AssertionError(f"kpibot local printed no address: {''.join(printed)!r}")


def test_a_busy_port_makes_kpibot_local_pick_another(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'local.sqlite3'}")
    settings = load_settings(env_file=None)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        stop = threading.Event()
        runner = threading.Thread(
            target=run_local,
            args=(settings,),
            kwargs={"port": port, "open_browser": False, "stop": stop},
        )
        runner.start()
        printed: list[str] = []
        try:
            url = _wait_for_url(capsys, printed)
        finally:
            stop.set()
            runner.join(30)
    assert f"Port {port} is busy" in "".join(printed)
    assert f":{port}/" not in url


def test_no_browser_is_opened_without_a_desktop(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    opened: list[str] = []

    def fake_open(url: str, new: int = 0) -> bool:
        opened.append(url)
        return True

    monkeypatch.setattr("webbrowser.open", fake_open)
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    run_module._open("http://127.0.0.1:3100/")
    assert opened == []
    assert "open the address above yourself" in capsys.readouterr().out
    monkeypatch.setenv("DISPLAY", ":0")
    run_module._open("http://127.0.0.1:3100/")
    assert opened == ["http://127.0.0.1:3100/"]
