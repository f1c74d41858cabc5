"""`kpibot local` as a person runs it in a terminal: quiet, and stopped cleanly.

Each test starts the real command in its own process group (as a shell does) on a temporary
database and a free port, has it post digests so that its chart worker processes exist, stops
it the way a person does (Ctrl-C reaches the whole foreground process group; `kill` sends
SIGTERM to the command alone) and checks that it exits with 0, prints no traceback, and leaves
no process of its group behind.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

pytestmark = pytest.mark.e2e

KPIBOT = Path(sys.executable).with_name("kpibot")
WORKERS = 2
STARTUP_SECONDS = 90  # a loaded 2-core machine: migrations, seeding, imports


class Running:
    """`kpibot local` in a process group of its own, its output read as it comes."""

    def __init__(self, tmp_path: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("KPIBOT_", "SLACK_"))}
        env.update(
            DATABASE_URL=f"sqlite:///{tmp_path / 'local.sqlite3'}",
            KPIBOT_RENDER_WORKERS=str(WORKERS),
            PYTHONUNBUFFERED="1",
        )
        env.pop("DISPLAY", None)
        env.pop("WAYLAND_DISPLAY", None)
        env.pop("BROWSER", None)
        self.process = subprocess.Popen(
            [str(KPIBOT), "local", "--port", "0", "--no-browser"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # its own process group, as a shell's job
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self._readers = [
            threading.Thread(
                target=self._read, args=(self.process.stdout, self.stdout, True), daemon=True
            ),
            threading.Thread(
                target=self._read, args=(self.process.stderr, self.stderr, False), daemon=True
            ),
        ]
        for reader in self._readers:
            reader.start()

    def _read(self, stream: object, into: list[str], announce: bool) -> None:
        for line in stream:  # type: ignore[attr-defined]
            into.append(line)
            if announce:
                self.lines.put(line)

    def url(self) -> str:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=deadline - time.monotonic())
            except queue.Empty:
                break
            found = re.search(r"kpibot local workspace: (http://127\.0\.0\.1:\d+/)", line)
            if found:
                return found.group(1)
        raise AssertionError(f"no address printed: {self.output()}")

    def finish(self) -> int:
        code = self.process.wait(timeout=60)
        for reader in self._readers:
            reader.join(10)  # a leftover child still holding the pipes keeps them open
        return code

    def close(self) -> None:
        """After every process of the group is gone: the pipes are at their end."""
        for reader in self._readers:
            reader.join(10)
        if not any(reader.is_alive() for reader in self._readers):
            for stream in (self.process.stdout, self.process.stderr):
                if stream is not None:
                    stream.close()

    def output(self) -> str:
        return f"stdout:\n{''.join(self.stdout)}\nstderr:\n{''.join(self.stderr)}"


def group_members(pgid: int) -> list[str]:
    """Live processes in a process group, from /proc (zombies already count as gone)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid pgrp ...: comm may hold spaces, so split after its ")"
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            found.append(f"{entry.name} {stat.split(' (', 1)[1].split(')')[0]}")
    return found


def wait_until_gone(pgid: int, seconds: float = 20.0) -> list[str]:
    """The group's processes still alive once they all exit or `seconds` pass."""
    deadline = time.monotonic() + seconds
    left = group_members(pgid)
    while left and time.monotonic() < deadline:
        threading.Event().wait(0.1)
        left = group_members(pgid)
    return left


@pytest.fixture
def local(tmp_path: Path) -> Iterator[Running]:
    if not sys.platform.startswith("linux"):
        pytest.skip("reads /proc to find leftover processes")
    running = Running(tmp_path)
    try:
        yield running
    finally:
        # Whatever the test found, leave no process behind for the next one.
        if group_members(running.process.pid):
            os.killpg(running.process.pid, signal.SIGKILL)
        running.process.wait(timeout=60)
        wait_until_gone(running.process.pid)
        running.close()


def post_digests(url: str) -> None:
    """Run the digests job as of next Monday morning: charts are drawn by the workers."""
    berlin = datetime.now(ZoneInfo("Europe/Berlin"))
    monday = berlin.date() + timedelta(days=7 - berlin.weekday())
    answer = httpx.post(
        f"{url}ui/jobs/run",
        json={"at": f"{monday.isoformat()}T09:30", "tz": "Europe/Berlin", "jobs": ["digests"]},
        timeout=120,
        trust_env=False,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["ok"], answer.text


def started_with_workers(local: Running) -> None:
    url = local.url()
    post_digests(url)
    members = group_members(local.process.pid)
    # the command itself, the forkserver and the chart workers
    assert len(members) >= 2 + WORKERS, members


@pytest.mark.parametrize(
    ("how", "stop"),
    [
        ("ctrl-c", lambda pid: os.killpg(pid, signal.SIGINT)),  # the terminal's whole group
        ("sigterm", lambda pid: os.kill(pid, signal.SIGTERM)),  # `kill PID`
    ],
)
def test_kpibot_local_stops_cleanly(local: Running, how: str, stop: object) -> None:
    started_with_workers(local)
    stop(local.process.pid)  # type: ignore[operator]
    code = local.finish()
    output = local.output()
    assert code == 0, output
    assert "Traceback" not in "".join(local.stderr), output
    assert "KeyboardInterrupt" not in "".join(local.stderr), output
    assert "Stopping." in "".join(local.stdout), output
    assert wait_until_gone(local.process.pid) == [], output


def test_kpibot_local_keeps_the_terminal_quiet(local: Running) -> None:
    """Warnings and kpibot's own few lines: no INFO line per request, no page of migrations."""
    url = local.url()
    for _ in range(3):
        assert httpx.get(f"{url}ui/state", timeout=30, trust_env=False).status_code == 200
    post_digests(url)
    os.kill(local.process.pid, signal.SIGINT)
    assert local.finish() == 0, local.output()
    errors = "".join(local.stderr)
    assert "httpx" not in errors and "HTTP Request" not in errors, errors
    assert "alembic" not in errors and "Running upgrade" not in errors, errors
    assert " INFO " not in errors, errors
