"""Settings: defaults, parsing of friendly formats, one clear line per bad variable."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError, load_settings


def test_defaults(tmp_path: Path) -> None:
    settings = load_settings(env_file=None)
    assert settings.slack_api_url == Settings.model_fields["slack_api_url"].default
    assert settings.slack_api_url.startswith("https://") and settings.slack_api_url.endswith(
        "/api/"
    )
    assert settings.database_url == "sqlite:///kpibot.sqlite3"
    assert settings.port == 3000
    assert settings.working_hours == (time(9), time(17))
    assert settings.workdays == (0, 1, 2, 3, 4)
    assert (settings.max_kpis_per_owner, settings.max_kpis_per_team) == (5, 7)
    assert settings.slack_configured() == [
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET (HTTP) or SLACK_APP_TOKEN (Socket Mode)",
    ]


def test_reads_env_file_and_keeps_secrets_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = tmp_path / ".env"
    env.write_text(
        "SLACK_BOT_TOKEN=xoxb-123-secret\nSLACK_SIGNING_SECRET=shh\nSLACK_API_URL=http://127.0.0.1:9/api\n"
        "KPIBOT_ADMINS=U0ADMIN01, W0ADMIN02\nKPIBOT_WORKDAYS=sun-thu\nKPIBOT_WORKING_HOURS=08:30-16:00\n",
        encoding="utf-8",
    )
    settings = load_settings(env_file=env)
    assert settings.slack_api_url == "http://127.0.0.1:9/api/"
    assert settings.admins == ("U0ADMIN01", "W0ADMIN02")
    assert settings.workdays == (0, 1, 2, 3, 6)
    assert settings.working_hours == (time(8, 30), time(16))
    assert settings.slack_configured() == []
    shown = repr(settings) + str(settings)
    assert "xoxb-123-secret" not in shown and "shh" not in shown


def test_postgres_urls_get_the_psycopg_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://kpibot@db:5432/kpibot")
    assert load_settings(env_file=None).database_url == "postgresql+psycopg://kpibot@db:5432/kpibot"


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("PORT", "99999", "PORT: Input should be less than or equal to 65535"),
        ("PORT", "web", "PORT: Input should be a valid integer"),
        (
            "KPIBOT_TIMEZONE",
            "Mars/Olympus",
            "KPIBOT_TIMEZONE: 'Mars/Olympus' is not a known IANA timezone",
        ),
        ("KPIBOT_WORKING_HOURS", "17:00-09:00", "ends before it starts"),
        ("KPIBOT_WORKING_HOURS", "nine to five", "expected a range like 09:00-17:00"),
        ("KPIBOT_WORKDAYS", "weekdays", "not a list of weekdays"),
        ("KPIBOT_ADMINS", "alice", "alice is not a Slack user ID"),
        ("SLACK_API_URL", "slack.example/api", "expected an http(s) URL"),
        ("DATABASE_URL", "mysql://x", "expected sqlite:///"),
        (
            "KPIBOT_MAX_KPIS_PER_OWNER",
            "0",
            "KPIBOT_MAX_KPIS_PER_OWNER: Input should be greater than or equal to 1",
        ),
        ("KPIBOT_AT_RISK_BAND", "2", "KPIBOT_AT_RISK_BAND"),
        ("KPIBOT_LOG_LEVEL", "LOUD", "expected one of DEBUG"),
    ],
)
def test_bad_values_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as caught:
        load_settings(env_file=None)
    message = str(caught.value)
    assert expected in message
    assert len(message.splitlines()) == 1


def test_secret_values_are_never_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-leaky")
    monkeypatch.setenv("PORT", "nope")
    with pytest.raises(SettingsError) as caught:
        load_settings(env_file=None)
    assert "xoxb-leaky" not in str(caught.value)
