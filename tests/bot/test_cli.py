"""The `kpibot` command line, run as operators run it (in-process, real database)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main

CONFIG = """
teams:
  - {key: sales, name: Sales, channel: C0SALES01, timezone: America/New_York, lead: U0LEAD001}
goals:
  - {key: grow-arr, title: Grow ARR to $12M, deadline: 2027-12-31}
  - {key: pipeline-h1, title: Build a $4M qualified pipeline in H1, parent: grow-arr, team: sales, deadline: 2027-06-30}
kpis:
  - {key: pipeline, name: Qualified pipeline, team: sales, goal: pipeline-h1, owner: U0ALICE01, unit: USD,
     direction: up, target: 4000000, baseline: 1500000, cadence: weekly, indicator: leading}
"""


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cli.sqlite3"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    return path


def test_commands_refuse_an_unmigrated_database(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export"]) == 2
    assert "run `kpibot migrate`" in capsys.readouterr().err


def test_migrate_then_import_export_round_trip(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["migrate"]) == 0
    assert "migrated from empty" in capsys.readouterr().out
    assert main(["migrate"]) == 0
    assert "up to date" in capsys.readouterr().out

    config = tmp_path / "company.yml"
    config.write_text(CONFIG, encoding="utf-8")
    assert main(["import", str(config), "--dry-run"]) == 0
    assert "Dry run" in capsys.readouterr().out
    assert main(["export"]) == 0
    assert "pipeline" not in capsys.readouterr().out

    assert main(["import", str(config)]) == 0
    capsys.readouterr()
    assert main(["import", str(config)]) == 0
    second = capsys.readouterr().out
    assert "created" not in second.lower() or "0 created" in second.lower()

    out = tmp_path / "export.yml"
    assert main(["export", "--out", str(out)]) == 0
    assert "key: pipeline" in out.read_text(encoding="utf-8")


def test_bad_config_file_names_the_line_and_writes_nothing(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["migrate"])
    bad = tmp_path / "bad.yml"
    bad.write_text(CONFIG.replace("team: sales, goal", "team: sails, goal"), encoding="utf-8")
    assert main(["import", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "nothing was imported" in err and "bad.yml:" in err and "sails" in err
    main(["export"])
    assert "grow-arr" not in capsys.readouterr().out


def test_values_import_and_export(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["migrate"])
    config = tmp_path / "company.yml"
    config.write_text(CONFIG, encoding="utf-8")
    main(["import", str(config)])
    values = tmp_path / "values.csv"
    values.write_text(
        "kpi,period,value,note\npipeline,2026-W46,1.1M,\npipeline,2026-W47,$1.2M,good week\n",
        encoding="utf-8",
    )
    assert main(["values", "import", str(values)]) == 0
    assert "2 values written" in capsys.readouterr().out
    assert main(["values", "export"]) == 0
    exported = capsys.readouterr().out
    assert "pipeline,2026-W47,1200000" in exported and "good week" in exported

    bad = tmp_path / "bad.csv"
    bad.write_text(
        "kpi,period,value,note\npipeline,2026-W45,1M,\npipeline,2026-11,1M,\n", encoding="utf-8"
    )
    assert main(["values", "import", str(bad)]) == 2
    assert "line 3" in capsys.readouterr().err
    main(["values", "export"])
    assert "2026-W45" not in capsys.readouterr().out


def test_check_exits_non_zero_when_rules_break(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["migrate"])
    config = tmp_path / "company.yml"
    config.write_text(
        CONFIG.replace("goals:\n", "goals:\n  - {key: someday, title: Be famous}\n"),
        encoding="utf-8",
    )
    main(["import", str(config)])
    assert main(["check"]) == 1  # a goal without a deadline, and without a KPI
    out = capsys.readouterr().out
    assert "goal_without_deadline" in out and "someday" in out
    assert "<@" not in out  # mentions are Slack markup; the terminal shows @U...
    assert main(["check", "--team", "nope"]) == 2
    assert "no team has the key" in capsys.readouterr().err


def test_serve_without_slack_credentials_says_what_is_missing(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["migrate"])
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert "SLACK_BOT_TOKEN" in err and "SLACK_SIGNING_SECRET" in err


def test_bad_setting_stops_start_up_with_one_line(
    db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KPIBOT_TIMEZONE", "Moon/Base")
    assert main(["migrate"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("kpibot: KPIBOT_TIMEZONE:")
    assert len(err.splitlines()) == 1


def test_socket_mode_is_used_when_an_app_token_is_set(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import slack_bolt.adapter.socket_mode as socket_mode

    started: list[str] = []

    class FakeHandler:
        def __init__(self, app: object, app_token: str) -> None:
            started.append(app_token)

        def start(self) -> None:
            started.append("started")

    monkeypatch.setattr(socket_mode, "SocketModeHandler", FakeHandler)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-test")
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api/")
    main(["migrate"])
    monkeypatch.setattr("bot.app.App", _app_without_token_check())
    assert main(["serve", "--no-scheduler"]) == 0
    assert started == ["xapp-test", "started"]


def _app_without_token_check() -> object:
    from slack_bolt import App

    def build(**kwargs: object) -> App:
        kwargs["token_verification_enabled"] = False
        return App(**kwargs)  # type: ignore[arg-type]

    return build
