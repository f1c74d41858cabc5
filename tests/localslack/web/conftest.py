"""The page's JSON API under test: a workspace on a movable fake clock, the page served by the
stand-in, and a recorder as the app that checks every request it gets is signed like Slack's."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Route

from localslack import FakeClock, ServerThread, SlackDriver, TravelClock, WebUi, Workspace
from tests.localslack.web.helpers import SECRET, START, App, serve_page


@pytest.fixture(scope="module")
def served_app() -> Iterator[tuple[App, str]]:
    app = App()
    starlette = Starlette(routes=[Route("/slack/events", app.handle, methods=["POST"])])
    with ServerThread(starlette) as served:
        yield app, served.url + "/slack/events"


@pytest.fixture
def fake_time() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def ws(fake_time: FakeClock) -> Workspace:
    workspace = Workspace(clock=TravelClock(real=fake_time))
    workspace.add_user("U0ANN", "ann", tz="America/New_York", real_name="Ann Lee")
    workspace.add_user("U0BOB", "bob", tz="Europe/Berlin", real_name="Bob Stone")
    workspace.add_channel("C0SALES", "sales", members=["U0ANN", "U0BOB"])
    workspace.add_channel("C0QUIET", "quiet", members=["U0BOB"])
    return workspace


@pytest.fixture
def app(served_app: tuple[App, str]) -> App:
    recorder, _ = served_app
    recorder.requests.clear()
    recorder.answers.clear()
    return recorder


@pytest.fixture
def ui(ws: Workspace, served_app: tuple[App, str], app: App) -> Iterator[WebUi]:
    _, url = served_app
    web = WebUi(ws, default_user="U0ANN", poll_timeout=0.3)
    with SlackDriver(ws, url, SECRET) as driver:
        web.driver = driver
        yield web


@pytest.fixture
def page(ws: Workspace, ui: WebUi) -> Iterator[httpx.Client]:
    yield from serve_page(ws, ui)
