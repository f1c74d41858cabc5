"""Process settings, read once from the environment and an optional `.env` file.

Every variable is documented in the README's configuration table; a test keeps the two in step.
A bad value stops start-up with one line that names the variable and says what is expected.
"""

from __future__ import annotations

import os
import re
from datetime import time, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from core.clock_text import (  # the formats are shared with config files
    parse_duration,
    parse_time_of_day,
    parse_workdays,
    parse_working_hours,
)

DEFAULT_DATABASE_URL = "sqlite:///kpibot.sqlite3"
SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
SLACK_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")


class SettingsError(Exception):
    """Raised with a one-line, user-facing message per bad variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=False
    )

    slack_bot_token: SecretStr | None = Field(None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(None, validation_alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(None, validation_alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field("https://slack.com/api/", validation_alias="SLACK_API_URL")
    database_url: str = Field(DEFAULT_DATABASE_URL, validation_alias="DATABASE_URL")
    port: int = Field(3000, ge=1, le=65535, validation_alias="PORT")
    # Slack must reach the app, so by default it listens on every interface.
    host: str = Field("0.0.0.0", validation_alias="KPIBOT_HOST")  # noqa: S104
    timezone: str = Field("UTC", validation_alias="KPIBOT_TIMEZONE")
    working_hours: Annotated[tuple[time, time], NoDecode] = Field(
        (time(9), time(17)), validation_alias="KPIBOT_WORKING_HOURS"
    )
    workdays: Annotated[tuple[int, ...], NoDecode] = Field(
        (0, 1, 2, 3, 4), validation_alias="KPIBOT_WORKDAYS"
    )
    max_kpis_per_owner: int = Field(5, ge=1, le=100, validation_alias="KPIBOT_MAX_KPIS_PER_OWNER")
    max_kpis_per_team: int = Field(7, ge=1, le=500, validation_alias="KPIBOT_MAX_KPIS_PER_TEAM")
    at_risk_band: float = Field(0.1, ge=0, le=1, validation_alias="KPIBOT_AT_RISK_BAND")
    admins: Annotated[tuple[str, ...], NoDecode] = Field((), validation_alias="KPIBOT_ADMINS")
    listener_workers: int = Field(24, ge=1, le=256, validation_alias="KPIBOT_LISTENER_WORKERS")
    log_level: str = Field("INFO", validation_alias="KPIBOT_LOG_LEVEL")
    # Reminders: a team's own settings override the first three (and the working hours/days).
    reminder_time: Annotated[time, NoDecode] = Field(
        time(10), validation_alias="KPIBOT_REMINDER_TIME"
    )
    follow_up_after: Annotated[timedelta, NoDecode] = Field(
        timedelta(days=1), validation_alias="KPIBOT_FOLLOW_UP_AFTER"
    )
    max_reminders: int = Field(2, ge=1, le=10, validation_alias="KPIBOT_MAX_REMINDERS")
    reminder_catch_up: Annotated[timedelta, NoDecode] = Field(
        timedelta(hours=12), validation_alias="KPIBOT_REMINDER_CATCH_UP"
    )
    snooze_later: Annotated[timedelta, NoDecode] = Field(
        timedelta(hours=3), validation_alias="KPIBOT_SNOOZE_LATER"
    )
    # How often `kpibot serve` runs its scheduled jobs. At most 10 minutes: a reminder found
    # later than 15 minutes after its moment is only sent inside working hours.
    reminder_interval: int = Field(60, ge=10, le=600, validation_alias="KPIBOT_REMINDER_INTERVAL")
    delivery_lease: Annotated[timedelta, NoDecode] = Field(
        timedelta(minutes=5), validation_alias="KPIBOT_DELIVERY_LEASE"
    )
    delivery_workers: int = Field(4, ge=1, le=32, validation_alias="KPIBOT_DELIVERY_WORKERS")
    # pulled sources: how many pulls run at once, and how many tries before the owner is told
    pull_workers: int = Field(8, ge=1, le=64, validation_alias="KPIBOT_PULL_WORKERS")
    pull_tries: int = Field(4, ge=1, le=10, validation_alias="KPIBOT_PULL_TRIES")
    timezone_refresh: Annotated[timedelta, NoDecode] = Field(
        timedelta(days=7), validation_alias="KPIBOT_TIMEZONE_REFRESH"
    )
    # Digests: the company roll-up's channel, and the processes that draw digest charts.
    leadership_channel: str | None = Field(None, validation_alias="KPIBOT_LEADERSHIP_CHANNEL")
    render_workers: int = Field(
        default_factory=lambda: min(4, os.cpu_count() or 1),
        ge=0,
        le=32,
        validation_alias="KPIBOT_RENDER_WORKERS",
    )

    # The values API: requests a minute each token may send (bursts up to that many).
    api_rate_limit: int = Field(600, ge=1, le=1_000_000, validation_alias="KPIBOT_API_RATE_LIMIT")

    @field_validator("slack_api_url")
    @classmethod
    def _check_api_url(cls, value: str) -> str:
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError("expected an http(s) URL such as https://slack.com/api/")
        return value if value.endswith("/") else value + "/"

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        if not value.startswith(("sqlite:///", "sqlite://", "postgresql")):
            raise ValueError(
                "expected sqlite:///path/to/kpibot.sqlite3 or "
                "postgresql+psycopg://user:password@host:5432/dbname"
            )
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            # SQLAlchemy would pick psycopg2, which kpibot does not ship; psycopg 3 is the driver.
            value = "postgresql+psycopg://" + value.split("://", 1)[1]
        return value

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        check_timezone(value)
        return value

    @field_validator("working_hours", mode="before")
    @classmethod
    def _parse_working_hours(cls, value: object) -> object:
        return parse_working_hours(value) if isinstance(value, str) else value

    @field_validator("workdays", mode="before")
    @classmethod
    def _parse_workdays(cls, value: object) -> object:
        return parse_workdays(value) if isinstance(value, str) else value

    @field_validator("reminder_time", mode="before")
    @classmethod
    def _parse_reminder_time(cls, value: object) -> object:
        return parse_time_of_day(value) if isinstance(value, str) else value

    @field_validator(
        "follow_up_after",
        "reminder_catch_up",
        "snooze_later",
        "delivery_lease",
        "timezone_refresh",
        mode="before",
    )
    @classmethod
    def _parse_duration(cls, value: object, info: ValidationInfo) -> object:
        if not isinstance(value, str):
            return value
        smallest = _SMALLEST_DURATION[str(info.field_name)]
        return parse_duration(value, at_least=smallest)

    @model_validator(mode="after")
    def _reminder_time_in_working_hours(self) -> Settings:
        start, end = self.working_hours
        if not start <= self.reminder_time < end:
            raise ValueError(
                f"KPIBOT_REMINDER_TIME {self.reminder_time:%H:%M} is outside KPIBOT_WORKING_HOURS "
                f"({start:%H:%M}-{end:%H:%M}); pick a time inside them"
            )
        return self

    @field_validator("admins", mode="before")
    @classmethod
    def _parse_admins(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        ids = tuple(part for part in re.split(r"[\s,]+", value) if part)
        bad = [i for i in ids if not SLACK_USER_ID.match(i)]
        if bad:
            raise ValueError(
                f"{', '.join(bad)} is not a Slack user ID; expected IDs like U0123ABCD, "
                "separated by commas"
            )
        return ids

    @field_validator("leadership_channel")
    @classmethod
    def _check_channel(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        channel = value.strip()
        if not SLACK_CHANNEL_ID.match(channel):
            raise ValueError(
                "expected a Slack channel ID like C0LEADERS1 (channel details → copy channel ID)"
            )
        return channel

    @field_validator("log_level")
    @classmethod
    def _check_log_level(cls, value: str) -> str:
        level = value.upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError("expected one of DEBUG, INFO, WARNING, ERROR")
        return level

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def slack_configured(self) -> list[str]:
        """The Slack variables still missing before kpibot can talk to Slack (empty when ready)."""
        missing = []
        if self.slack_bot_token is None:
            missing.append("SLACK_BOT_TOKEN")
        if self.slack_signing_secret is None and self.slack_app_token is None:
            missing.append("SLACK_SIGNING_SECRET (HTTP) or SLACK_APP_TOKEN (Socket Mode)")
        return missing


def check_timezone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"'{name}' is not a known IANA timezone; expected a name like Europe/Berlin or UTC"
        ) from None


_SMALLEST_DURATION = {
    "follow_up_after": timedelta(minutes=10),
    "reminder_catch_up": timedelta(0),
    "snooze_later": timedelta(minutes=5),
    "delivery_lease": timedelta(seconds=30),
    "timezone_refresh": timedelta(hours=1),
}


def load_settings(env_file: Path | str | None = ".env", **overrides: Any) -> Settings:
    """Read settings, turning validation errors into one line per variable."""
    try:
        return Settings(_env_file=env_file, **overrides)
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            variable = ".".join(str(part) for part in error["loc"]) or "settings"
            message = str(error["msg"]).removeprefix("Value error, ")
            lines.append(f"{variable}: {message}{_shown_input(variable, message, error)}")
        raise SettingsError("\n".join(lines)) from None


def _shown_input(variable: str, message: str, error: Any) -> str:
    """Echo the bad value back, unless it is a secret or the message already quotes it."""
    given = error.get("input")
    if not isinstance(given, str | int) or "TOKEN" in variable or "SECRET" in variable:
        return ""
    return "" if f"'{given}'" in message else f" (got {given!r})"
