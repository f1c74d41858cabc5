"""Digest delivery across processes, and the digest commands of the `kpibot` CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import Session, select

from bot.cli import main
from storage.db import session_scope
from storage.models import Delivery, Kpi, Team

from .conftest import ALICE, Harness

ROOT = Path(__file__).resolve().parents[2]
MONDAY = datetime(2026, 11, 30, 14, 5, tzinfo=UTC)
CHANNELS = [f"C0TEAM{n:04d}" for n in range(30)]


def add_teams(harness: Harness) -> None:
    """Thirty more teams in New York, each with a channel kpibot is in and one KPI."""
    with session_scope(harness.engine) as session:
        for n, channel in enumerate(CHANNELS):
            harness.workspace.add_channel(channel, f"team-{n}", members=[ALICE])
            team = Team(key=f"team-{n}", name=f"Team {n}", channel_id=channel,
                        timezone="America/New_York", created_at=MONDAY, updated_at=MONDAY)  # fmt: skip
            session.add(team)
            session.flush()
            session.add(Kpi(key=f"kpi-{n}", name=f"KPI {n}", owner_user_id=ALICE, team_id=team.id,
                            target=10.0, created_at=MONDAY, updated_at=MONDAY))  # fmt: skip


def environment(harness: Harness) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KPIBOT_TEST")}
    url = harness.engine.url.render_as_string(hide_password=False)
    return env | {"DATABASE_URL": url, "KPIBOT_LOG_LEVEL": "WARNING", "KPIBOT_RENDER_WORKERS": "1"}


def test_two_processes_at_the_same_moment_post_each_digest_once(harness: Harness) -> None:
    add_teams(harness)
    command = [
        sys.executable,
        "-m",
        "bot.cli",
        "jobs",
        "run",
        "digests",
        "--now",
        MONDAY.isoformat(),
    ]
    processes = [
        subprocess.Popen(
            command,
            cwd=ROOT,
            env=environment(harness),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=180) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs

    for channel in [*CHANNELS, "C0SALES01", "C0MKTG001"]:
        posted = [m for m in harness.workspace.messages_in(channel) if "digest" in m.text]
        assert len(posted) == 1, channel
    with Session(harness.engine) as session:
        rows = session.exec(select(Delivery).where(Delivery.kind == "digest")).all()
    assert len(rows) == len(CHANNELS) + 2
    assert {row.status for row in rows} == {"sent"}
    sent = sum(int(out.split("Sent ")[1].split(" ")[0]) for out, _ in outputs)
    assert sent == len(CHANNELS) + 2


def test_digest_render_writes_block_kit_and_the_chart_without_slack(
    harness: Harness, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", harness.engine.url.render_as_string(hide_password=False))
    monkeypatch.delenv("SLACK_BOT_TOKEN")
    out = tmp_path / "review"
    assert main(["digest", "render", "--team", "sales", "--out", str(out),
                 "--at", MONDAY.isoformat()]) == 0  # fmt: skip
    document = json.loads((out / "digest-sales-2026-W48.json").read_text(encoding="utf-8"))
    assert document["text"].startswith("Sales digest, week 48")
    image = next(b for b in document["blocks"] if b["type"] == "image")
    assert image["image_url"] == "digest-sales-2026-W48.png"
    assert image["alt_text"] == document["alt_text"]
    assert (out / "digest-sales-2026-W48.png").read_bytes().startswith(b"\x89PNG")
    assert (
        main(["digest", "render", "--rollup", "--out", str(out), "--at", MONDAY.isoformat()]) == 0
    )
    assert (out / "digest-company-2026-W48.png").exists()


def test_digest_render_names_a_wrong_team(
    harness: Harness, tmp_path: Path, monkeypatch, capsys
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", harness.engine.url.render_as_string(hide_password=False))
    assert main(["digest", "render", "--team", "sails", "--out", str(tmp_path)]) == 2
    assert "no team has the key 'sails' (teams: marketing, sales)" in capsys.readouterr().err
