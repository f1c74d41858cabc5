"""What a run of the app's jobs did, told from what it posted and edited in the workspace."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from localslack import FakeClock, Workspace
from localslack.jobnews import suggested_time, what_happened


@pytest.fixture
def ws() -> Workspace:
    workspace = Workspace(clock=FakeClock())
    workspace.add_user("U0ANN", "ann", real_name="Ann Lee")
    workspace.add_channel("C0SALES", "sales", members=["U0ANN"])
    return workspace


def test_replies_to_older_threads_edits_and_dms_outside_reminders(ws: Workspace) -> None:
    review = ws.post_message("C0SALES", "Monthly review")
    older = ws.post_message("C0SALES", "Digest: 2 on track")
    mark = ws.mark()
    ws.post_message("C0SALES", "Win rate", thread_ts=review.ts)
    ws.post_message("C0SALES", "Pipeline", thread_ts=review.ts)
    ws.update_message("C0SALES", older.ts, text="Digest: 3 on track\nmore")
    ws.post_message(ws.open_dm("U0ANN")[0].id, "x" * 200)
    assert what_happened(ws, "reviews", mark) == [
        f"Messaged Ann Lee: “{'x' * 79}…”",
        "Added 2 replies to a thread in #sales",
        "Updated in #sales: “Digest: 3 on track”",
    ]
    assert what_happened(ws, "reviews", ws.mark()) == []  # nothing since


def test_a_message_without_text_is_described_by_what_it_carries(ws: Workspace) -> None:
    mark = ws.mark()
    ws.post_message("C0SALES", "", files=[{"id": "F1", "name": "chart.png"}])
    ws.post_message("C0SALES", "\n\n")
    assert what_happened(ws, "digests", mark) == [
        "Posted in #sales: “a message with a chart”",
        "Posted in #sales: “a message”",
    ]


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # on a Monday: next week's, never today's, which may have passed already
        (1_764_000_000.0, "2025-12-01T10:30"),  # Monday 24 Nov 2025 16:00 UTC
        (1_763_900_000.0, "2025-11-24T10:30"),  # Sunday 23 Nov 2025
        (1_763_650_000.0, "2025-11-24T10:30"),  # Thursday 20 Nov 2025
    ],
)
def test_the_suggestion_is_the_monday_after_today(now: float, expected: str) -> None:
    assert suggested_time(now, ZoneInfo("UTC")) == expected
