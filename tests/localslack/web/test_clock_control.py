"""The clock control: the app's jobs run as of a chosen time on the workspace's movable clock."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import httpx

from localslack import FakeClock, JobReport, WebUi, Workspace
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
    assert ran.json()["reports"] == [
        {"name": "digest", "ok": True, "summary": "digest ran", "said": []}
    ]
    names, at = control.runs[-1]
    assert names == ["digest"]
    assert at == datetime(2025, 12, 1, 14, 0, tzinfo=UTC)
    post(page, "/ui/jobs/run", {"at": "2025-12-01T09:00", "tz": "UTC"})
    # none named: all of them, one at a time (to tell what each posted)
    assert [names for names, _ in control.runs[-2:]] == [["reminders"], ["digest"]]

    assert (
        post(page, "/ui/jobs/run", {"at": "2025-12-01T09:00", "jobs": ["nope"]}).status_code == 400
    )
    assert post(page, "/ui/jobs/run", {"at": "Monday"}).status_code == 400
    assert (
        post(page, "/ui/jobs/run", {"at": "2025-12-01T09:00", "tz": "Mars/Base"}).status_code == 400
    )


def test_the_suggested_time_comes_from_real_time_and_does_not_creep(
    page: httpx.Client, fake_time: FakeClock
) -> None:
    """Reopening the panel after a run must not suggest yet another week ahead."""
    first = page.get("/ui/jobs", params={"tz": "Europe/Berlin"}).json()
    assert first["real_now"] == fake_time()
    # START is Wednesday 26 Nov 2025 23:33 UTC: Thursday 00:33 in Berlin
    assert first["suggested"] == "2025-12-01T10:30"
    post(page, "/ui/jobs/run", {"at": first["suggested"], "tz": "Europe/Berlin"})
    again = page.get("/ui/jobs", params={"tz": "Europe/Berlin"}).json()
    assert again["travelled"] is True
    assert again["suggested"] == "2025-12-01T10:30"
    fake_time.advance(5 * 86400)  # real time reaches Monday evening: the next Monday, then
    assert page.get("/ui/jobs", params={"tz": "Europe/Berlin"}).json()["suggested"] == (
        "2025-12-08T10:30"
    )
    assert page.get("/ui/jobs", params={"tz": "Mars/Base"}).status_code == 400


class PostingControl(FakeControl):
    """An app whose jobs post what kpibot's would: a reminder DM, a digest with its chart,
    a review thread with a reply, and an update of an earlier message."""

    def __init__(self, ws: Workspace) -> None:
        super().__init__()
        self.ws = ws
        self.undone: list[datetime] = []

    def job_names(self) -> list[str]:
        return ["reminders", "digests", "reviews"]

    def run_jobs(self, names: Sequence[str], at: datetime) -> list[JobReport]:
        ws = self.ws
        for name in names:
            if name == "reminders":
                dm = ws.open_dm("U0BOB")[0].id
                ws.post_message(dm, "Pipeline for week 49 is due\nLog it here")
            elif name == "digests":
                ws.post_message("C0SALES", "📊 Sales — week 49: 1 off track")
                earlier = ws.post_message("C0QUIET", "old digest")
                ws.update_message("C0QUIET", earlier.ts, text="old digest, updated")
            elif name == "reviews":
                parent = ws.post_message("C0SALES", "Monthly review: 3 KPIs to look at")
                ws.post_message("C0SALES", "Win rate", thread_ts=parent.ts)
        return super().run_jobs(names, at)

    def back_to(self, now: datetime) -> None:
        self.undone.append(now)


def test_a_run_says_what_happened_in_a_persons_words(
    page: httpx.Client, ui: WebUi, ws: Workspace
) -> None:
    ui.control = PostingControl(ws)
    ran = post(page, "/ui/jobs/run", {"at": "2025-12-01T09:00", "tz": "UTC"}).json()
    said = {r["name"]: r["said"] for r in ran["reports"]}
    assert said["reminders"] == ["Reminded Bob Stone: “Pipeline for week 49 is due”"]
    assert said["digests"] == [
        "Posted in #sales: “📊 Sales — week 49: 1 off track”",
        "Posted in #quiet: “old digest, updated”",
    ]
    assert said["reviews"] == [
        "Posted in #sales: “Monthly review: 3 KPIs to look at” (1 reply in its thread)"
    ]
    assert all("summary" in r for r in ran["reports"])  # the app's own words stay available

    quiet = post(page, "/ui/jobs/run", {"at": "2025-12-01T10:00", "tz": "UTC", "jobs": []})
    assert quiet.json()["reports"] == []


def test_back_to_real_time_undoes_what_happened_ahead(
    page: httpx.Client, ui: WebUi, ws: Workspace, fake_time: FakeClock
) -> None:
    control = PostingControl(ws)
    ui.control = control
    before = ws.post_message("C0SALES", "posted in real time")
    post(page, "/ui/jobs/run", {"at": "2025-12-01T09:00", "tz": "UTC"})
    assert len(ws.messages_in("C0SALES")) > 1
    assert post(page, "/ui/clock/reset", {}).json()["ok"]
    now = fake_time()
    assert [m.ts for m in ws.messages_in("C0SALES")] == [before.ts]  # the future is gone
    assert ws.dm_with("U0BOB") == []
    assert control.undone == [datetime.fromtimestamp(now, UTC)]  # and the app undoes its part
    after = ws.post_message("C0SALES", "posted after coming back")
    assert float(after.ts) <= now + 1  # stamped now, not hours ahead
    assert float(after.ts) > float(before.ts)


def test_later_jobs_of_one_run_leave_the_clock_ticking_on(
    page: httpx.Client, ws: Workspace, fake_time: FakeClock
) -> None:
    """The page runs a run's jobs one request at a time; only the first one moves the clock,
    so the second does not turn it back to the chosen time."""
    post(page, "/ui/jobs/run", {"at": "2025-12-01T09:00", "tz": "UTC"})
    monday = datetime(2025, 12, 1, 9, 0, tzinfo=UTC).timestamp()
    fake_time.advance(42)  # the first job took a while
    post(page, "/ui/jobs/run", {"at": "2025-12-01T09:00", "tz": "UTC", "keep_clock": True})
    assert ws.clock() == monday + 42
    post(page, "/ui/jobs/run", {"at": "2025-12-01T09:00", "tz": "UTC"})
    assert ws.clock() == monday
