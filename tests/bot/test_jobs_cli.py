"""`kpibot jobs run` and the reminder settings, as operators meet them."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.settings import SettingsError, load_settings


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cli.sqlite3"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    return path


def test_jobs_need_a_bot_token(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate"]) == 0
    assert main(["jobs", "run", "reminders"]) == 2
    assert "set SLACK_BOT_TOKEN" in capsys.readouterr().err


def test_an_unknown_job_lists_the_jobs(
    db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    assert main(["migrate"]) == 0
    assert main(["jobs", "run", "remindres"]) == 2
    err = capsys.readouterr().err
    assert "there is no job 'remindres'" in err and "reminders" in err


@pytest.mark.parametrize(
    ("moment", "message"),
    [("tomorrow", "is not an ISO-8601 moment"), ("2026-11-30T10:00:00", "has no UTC offset")],
)
def test_now_must_be_an_aware_moment(
    db: Path, capsys: pytest.CaptureFixture[str], moment: str, message: str
) -> None:
    with pytest.raises(SystemExit):
        main(["jobs", "run", "reminders", "--now", moment])
    assert message in capsys.readouterr().err


def test_reminder_settings_defaults_and_formats(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings(env_file=None)
    assert settings.reminder_time == time(10)
    assert settings.follow_up_after == timedelta(days=1)
    assert (settings.max_reminders, settings.reminder_interval) == (2, 60)
    assert settings.reminder_catch_up == timedelta(hours=12)
    assert settings.delivery_lease == timedelta(minutes=5)
    monkeypatch.setenv("KPIBOT_REMINDER_TIME", "9:30")
    monkeypatch.setenv("KPIBOT_FOLLOW_UP_AFTER", "1d12h")
    monkeypatch.setenv("KPIBOT_REMINDER_CATCH_UP", "0m")
    changed = load_settings(env_file=None)
    assert changed.reminder_time == time(9, 30)
    assert changed.follow_up_after == timedelta(hours=36)
    assert changed.reminder_catch_up == timedelta(0)


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("KPIBOT_REMINDER_TIME", "7am", "KPIBOT_REMINDER_TIME: '7am' is not a time of day"),
        ("KPIBOT_REMINDER_TIME", "07:00", "KPIBOT_REMINDER_TIME 07:00 is outside KPIBOT_WORKING"),
        ("KPIBOT_FOLLOW_UP_AFTER", "soon", "KPIBOT_FOLLOW_UP_AFTER: 'soon' is not a duration"),
        ("KPIBOT_FOLLOW_UP_AFTER", "5m", "use at least 10m"),
        ("KPIBOT_SNOOZE_LATER", "1m", "KPIBOT_SNOOZE_LATER: '1m' is too short"),
        ("KPIBOT_DELIVERY_LEASE", "10s", "use at least 30s"),
        ("KPIBOT_MAX_REMINDERS", "0", "KPIBOT_MAX_REMINDERS: Input should be greater than"),
        ("KPIBOT_REMINDER_INTERVAL", "3600", "KPIBOT_REMINDER_INTERVAL: Input should be less"),
        ("KPIBOT_DELIVERY_WORKERS", "0", "KPIBOT_DELIVERY_WORKERS"),
        ("KPIBOT_TIMEZONE_REFRESH", "5m", "use at least 1h"),
    ],
)
def test_bad_reminder_settings_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as caught:
        load_settings(env_file=None)
    assert expected in str(caught.value)
    assert len(str(caught.value).splitlines()) == 1
