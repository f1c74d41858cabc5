"""The clock control: the app's jobs run as of a chosen time on the workspace's movable clock."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from localslack import FakeClock, WebUi, Workspace
from tests.localslack.web.helpers import (
    FakeControl,
    post,
)

# --- the clock control ---------------------------------------------------------------------------


def test_without_jobs_running_only_moves_the_clock(
    page: httpx.Client, ws: Workspace, fake_time: FakeClock
) -> None:
    info = page.get("/ui/jobs").json()
    assert info["jobs"] == []
    assert info["travelled"] is False
    ran = post(page, "/ui/jobs/run", {"at": "2025-12-01T09:00", "tz": "Europe/Berlin"}).json()
    assert ran["reports"] == []
    assert ran["at"] == "2025-12-01T09:00:00+01:00"
    monday = datetime(2025, 12, 1, 8, 0, tzinfo=UTC).timestamp()
    assert ws.clock() == monday
    fake_time.advance(30)
    assert ws.clock() == monday + 30  # the moved clock keeps ticking
    assert page.get("/ui/state").json()["travelled"] is True
    assert post(page, "/ui/clock/reset", {}).json()["ok"]
    assert ws.clock() == fake_time()


def test_jobs_run_as_of_the_chosen_time(page: httpx.Client, ui: WebUi) -> None:
    control = FakeControl()
    ui.control = control
    assert page.get("/ui/jobs").json()["jobs"] == ["reminders", "digest"]
    ran = post(page, "/ui/jobs/run", {"at": "2025-12-01T09:00:00-05:00", "jobs": ["digest"]})
    assert ran.json()["reports"] == [{"name": "digest", "ok": True, "summary": "digest ran"}]
    names, at = control.runs[-1]
    assert names == ["digest"]
    assert at == datetime(2025, 12, 1, 14, 0, tzinfo=UTC)
    post(page, "/ui/jobs/run", {"at": "2025-12-01T09:00", "tz": "UTC"})
    assert control.runs[-1][0] == ["reminders", "digest"]  # none named: all of them

    assert (
        post(page, "/ui/jobs/run", {"at": "2025-12-01T09:00", "jobs": ["nope"]}).status_code == 400
    )
    assert post(page, "/ui/jobs/run", {"at": "Monday"}).status_code == 400
    assert (
        post(page, "/ui/jobs/run", {"at": "2025-12-01T09:00", "tz": "Mars/Base"}).status_code == 400
    )
