"""One stand-in server per test module; a fresh workspace (on a fake clock) per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from localslack import FakeClock, LocalSlackServer, Workspace

START = 1_764_200_000.0  # 2025-11-26 23:33:20 UTC: New York is on EST (-5 h), Berlin on CET


@pytest.fixture(scope="module")
def server() -> Iterator[LocalSlackServer]:
    with LocalSlackServer() as running:
        yield running


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def workspace(server: LocalSlackServer, clock: FakeClock) -> Workspace:
    ws = Workspace(clock=clock)
    ws.add_user("U0ANN", "ann", tz="America/New_York", real_name="Ann Lee", email="ann@example.com")
    ws.add_user("U0BOB", "bob", tz="Europe/Berlin")
    ws.add_user("U0GONE", "gone", deleted=True)
    ws.add_channel("C0GENERAL", "general", members=["U0ANN", "U0BOB"])
    ws.add_channel("C0OUTSIDE", "outside", members=["U0ANN"], bot_is_member=False)
    ws.add_channel("C0SECRET", "secret", members=["U0ANN"], bot_is_member=False, is_private=True)
    server.workspace = ws
    return ws


@pytest.fixture
def client(server: LocalSlackServer, workspace: Workspace) -> WebClient:
    return WebClient(token=workspace.bot_token, base_url=server.api_url, timeout=10)
