"""Review threads as a team sees them: posted once before the meeting with fresh charts, one
message per KPI, commentary, decisions and action items, and a summary when it closes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from bot.reviews import job as review_jobs
from bot.reviews.job import Hooks, ReviewJob
from localslack import LocalSlackServer
from localslack.models import Message
from storage import repo
from storage.db import session_scope

from .conftest import ADMIN, ALICE, BOB, EVE, LEAD, NOW, SALES, Harness
from .review_helpers import (
    FRIDAY_10_NY,
    FakeSleep,
    actions,
    age_kpi,
    comments,
    decisions,
    key_of,
    make_job,
    parents,
    press,
    reviews_of,
    set_schedule,
    text_of,
    thread,
)


@pytest.fixture
def job(harness: Harness, slack_server: LocalSlackServer) -> ReviewJob:
    set_schedule(harness.engine)
    return make_job(harness, slack_server)


@pytest.fixture(autouse=True)
def _posting_finished(harness: Harness) -> Iterator[None]:
    """`/kpi review start|close` post in the background: let that finish within the test."""
    yield
    review_jobs.wait_for_kicks()


def posted_review(harness: Harness, job: ReviewJob) -> tuple[Message, list[Message]]:
    job.run(NOW)
    parent = parents(harness.workspace)[0]
    return parent, list(thread(harness.workspace, parent))


def test_the_thread_goes_out_once_a_day_before_with_charts_and_a_message_per_kpi(
    harness: Harness, job: ReviewJob
) -> None:
    harness.kpi("log pipeline 1.1M for 2026-W46")
    harness.kpi("log pipeline 1.0M for 2026-W47")
    age_kpi(harness.engine, "win-rate")  # never re-examined in almost two years
    assert job.run(NOW - timedelta(minutes=1)).threads == 0
    assert parents(harness.workspace) == []

    report = job.run(NOW)
    assert report.threads == 1 and report.messages == 4
    [parent] = parents(harness.workspace)
    body = text_of(parent)
    assert "KPI review — Sales" in body and "Friday 27 Nov 2026, 10:00 EST" in body
    assert "Relevance review" in body and "*Win rate*" in body
    images = [b for b in parent.blocks or [] if b["type"] == "image"]
    assert len(images) == 1 and "Sales" in images[0]["alt_text"]
    file = harness.workspace.file(images[0]["slack_file"]["id"])
    assert file is not None and (file.content or b"").startswith(b"\x89PNG")

    replies = thread(harness.workspace, parent)
    assert [key_of(m).rsplit("#", 1)[1] for m in replies] == ["win-rate", "pipeline", "churn"]
    win_rate = text_of(replies[0])
    assert "<@U0ALICE01>" in win_rate and "Relevance review" in win_rate
    assert "never re-examined" in win_rate and "vanity suspect" in win_rate
    pipeline = text_of(replies[1])
    assert "$1M" in pipeline and "≥ $4M" in pipeline and "worsening" in pipeline
    for label in ("Add commentary", "Decision", "Add action item"):
        assert label in pipeline
    # a chart of its own only where it pays: pipeline is worsening, win-rate has no values
    assert [any(b["type"] == "image" for b in m.blocks or []) for m in replies] == [
        False,
        True,
        False,
    ]

    job.run(NOW)
    job.run(NOW + timedelta(hours=2))
    assert len(parents(harness.workspace)) == 1
    assert len(thread(harness.workspace, parent)) == 3
    assert job.run(FRIDAY_10_NY + timedelta(hours=2)).threads == 0  # the meeting is over


def test_commentary_decisions_and_action_items_from_the_buttons(
    harness: Harness, job: ReviewJob
) -> None:
    _, replies = posted_review(harness, job)
    pipeline = next(m for m in replies if key_of(m).endswith("#pipeline"))
    driver = harness.driver

    press(harness, EVE, "review_comment_open", pipeline)
    form = harness.wait(lambda: harness.workspace.views_for(EVE))[-1]
    answer = driver.view_submission(EVE, form.id, {"comment": {"comment": "A <!channel> deal"}})
    assert answer.json()["response_action"] == "update"
    assert [(c.author, c.text, c.source) for c in comments(harness.engine)] == [
        (EVE, "A <!channel> deal", "modal")
    ]

    press(harness, ALICE, "review_decision_open", pipeline)
    refusal = harness.wait(lambda: harness.workspace.ephemerals_for(ALICE))[-1]
    assert "Only the lead of Sales" in text_of(refusal)

    press(harness, LEAD, "review_decision_open", pipeline)
    form = harness.wait(lambda: harness.workspace.views_for(LEAD))[-1]
    assert form.callback_id == "review_decision"
    missing = driver.view_submission(
        LEAD, form.id, {"outcome": {"outcome": "adjust"}, "reason": {"reason": "new plan"}}
    )
    assert missing.json()["response_action"] == "errors"
    assert "new target" in missing.json()["errors"]["target"]
    done = driver.view_submission(
        LEAD,
        form.id,
        {
            "outcome": {"outcome": "adjust"},
            "reason": {"reason": "new plan"},
            "target": {"target": "5M"},
        },
    )
    assert "now targets ≥ $5M (was ≥ $4M)" in str(done.json()["view"]["blocks"])
    with session_scope(harness.engine) as session:
        kpi = repo.get_kpi(session, "pipeline")
        assert kpi is not None and kpi.target == 5_000_000 and kpi.reviewed_at == NOW

    press(harness, BOB, "review_action_open", pipeline)
    form = harness.wait(lambda: harness.workspace.views_for(BOB))[-1]
    owner = next(b for b in form.blocks if b.get("block_id") == "owner")
    assert owner["element"]["initial_user"] == ALICE  # the KPI's owner, to start with
    driver.view_submission(
        BOB,
        form.id,
        {
            "text": {"text": "Call the three stalled deals"},
            "owner": {"owner": ALICE},
            "due": {"due": "2026-12-04"},
        },
    )
    [item] = actions(harness.engine)
    assert (item.owner_user_id, str(item.due_date), item.status) == (ALICE, "2026-12-04", "open")


def test_retiring_archives_the_kpi_with_its_history(harness: Harness, job: ReviewJob) -> None:
    harness.kpi("log churn 3%", user=BOB)
    _, replies = posted_review(harness, job)
    churn = next(m for m in replies if key_of(m).endswith("#churn"))
    press(harness, ADMIN, "review_decision_open", churn)
    form = harness.wait(lambda: harness.workspace.views_for(ADMIN))[-1]
    harness.driver.view_submission(
        ADMIN,
        form.id,
        {"outcome": {"outcome": "retire"}, "reason": {"reason": "nobody acts on it"}},
    )
    with session_scope(harness.engine) as session:
        kpi = repo.get_kpi(session, "churn")
        assert kpi is not None and not kpi.active and kpi.reviewed_at == NOW
        assert repo.recent_measurements(session, kpi.id or 0)  # history kept
    assert [(d.outcome, d.reason) for d in decisions(harness.engine)] == [
        ("retire", "nobody acts on it")
    ]


def test_owners_replies_in_the_thread_are_their_commentary(
    harness: Harness, job: ReviewJob
) -> None:
    parent, _ = posted_review(harness, job)
    say = harness.driver.say
    say(BOB, "Churn went up: one big logo left", channel_id=SALES, thread_ts=parent.ts)
    harness.wait(lambda: comments(harness.engine))
    say(ALICE, "all fine", channel_id=SALES, thread_ts=parent.ts)  # owns two: which one?
    ask = harness.wait(lambda: harness.workspace.ephemerals_for(ALICE))[-1]
    assert "`pipeline:`" in text_of(ask) and "`win-rate:`" in text_of(ask)
    say(ALICE, "win-rate: two deals lost on price", channel_id=SALES, thread_ts=parent.ts)
    say(EVE, "pipeline: looks thin", channel_id=SALES, thread_ts=parent.ts)  # not an owner
    say(BOB, "churn: a top-level message is no reply", channel_id=SALES)
    harness.wait(lambda: len(comments(harness.engine)) == 2 or None)
    harness.wait(lambda: len(harness.workspace.ephemerals_for(ALICE)) == 2 or None)
    got = {(c.author, c.text) for c in comments(harness.engine)}
    assert got == {(BOB, "Churn went up: one big logo left"), (ALICE, "two deals lost on price")}
    assert all(c.source == "thread" and c.message_ts for c in comments(harness.engine))


def test_closing_posts_the_summary_in_the_thread_and_the_channel(
    harness: Harness, job: ReviewJob
) -> None:
    parent, replies = posted_review(harness, job)
    harness.driver.say(BOB, "churn: one big logo left", channel_id=SALES, thread_ts=parent.ts)
    harness.wait(lambda: comments(harness.engine))
    press(harness, LEAD, "review_decision_open", replies[0])
    form = harness.wait(lambda: harness.workspace.views_for(LEAD))[-1]
    harness.driver.view_submission(
        LEAD, form.id, {"outcome": {"outcome": "keep"}, "reason": {"reason": "still drives hiring"}}
    )
    assert "Only the lead" in text_of(harness.kpi("review close sales", user=EVE))
    harness.kpi("review close", user=LEAD, channel=SALES)  # the channel names the team

    def summaries() -> list[Message] | None:
        found = [m for m in harness.workspace.messages_in(SALES) if "summary" in key_of(m)]
        return found if len(found) == 2 else None

    in_thread, in_channel = harness.wait(summaries)
    assert in_thread.thread_ts == parent.ts and not in_channel.is_reply
    body = text_of(in_channel)
    assert "Review summary — Sales" in body and "keep" in body and "still drives hiring" in body
    assert "Without commentary* (2)" in body and "*Qualified pipeline*" in body
    assert "*Monthly churn*" not in body.split("Without commentary")[1]
    assert [r.status for r in reviews_of(harness.engine)] == ["closed"]
    seen = len(harness.workspace.ephemerals_for(EVE))
    press(harness, EVE, "review_comment_open", replies[0])
    closed = harness.wait(lambda: harness.workspace.ephemerals_for(EVE)[seen:])[-1]
    assert "is closed" in text_of(closed)
    assert "no open review" in text_of(harness.kpi("review close sales", user=LEAD))


def test_a_run_that_dies_after_posting_is_finished_by_another_without_doubles(
    harness: Harness, slack_server: LocalSlackServer
) -> None:
    set_schedule(harness.engine)
    posted: list[str] = []

    def crash_after_second_reply(key: str) -> None:
        posted.append(key)
        if len(posted) == 3:  # the parent and two replies are in Slack; the second unrecorded
            raise KeyboardInterrupt("the process dies")

    dying = make_job(
        harness, slack_server, worker="a", hooks=Hooks(posted=crash_after_second_reply)
    )
    with pytest.raises(KeyboardInterrupt):
        dying.run(NOW)
    [parent] = parents(harness.workspace)
    assert len(thread(harness.workspace, parent)) == 2

    survivor = make_job(harness, slack_server, worker="b")
    assert survivor.run(NOW + timedelta(minutes=2)).threads == 0  # the lease still holds
    report = survivor.run(NOW + timedelta(minutes=6))
    assert report.threads == 1 and report.found_already_posted == 1 and report.messages == 1
    replies = thread(harness.workspace, parent)
    assert len(replies) == 3 and len({key_of(m) for m in replies}) == 3


def test_a_channel_kpibot_is_not_in_fails_once_and_tells_the_lead(
    harness: Harness, job: ReviewJob
) -> None:
    harness.workspace.set_bot_membership(SALES, False)
    report = job.run(NOW)
    assert [reason for _, reason in report.failed] == ["not_in_channel"]
    dm = harness.workspace.dm_with(LEAD)
    assert dm and "/invite @kpibot" in dm[-1].text
    assert [r.status for r in reviews_of(harness.engine)] == ["failed"]
    assert job.run(NOW + timedelta(minutes=5)).failed == []  # not retried, not re-planned


def test_rate_limits_are_waited_out_and_nothing_is_lost(
    harness: Harness, slack_server: LocalSlackServer
) -> None:
    set_schedule(harness.engine)
    harness.workspace.rate_limit("chat.postMessage", times=2, retry_after=3)
    sleep = FakeSleep()
    report = make_job(harness, slack_server, sleep=sleep).run(NOW)
    assert sleep.waits == [3, 3] and report.messages == 4
    [parent] = parents(harness.workspace)
    assert len(thread(harness.workspace, parent)) == 3


def test_the_job_forgets_event_ids_slack_no_longer_retries(
    harness: Harness, job: ReviewJob
) -> None:
    with session_scope(harness.engine) as session:
        assert repo.first_delivery(session, "Ev0OLD", NOW - timedelta(days=3))
        assert repo.first_delivery(session, "Ev0NEW", NOW - timedelta(hours=1))
    assert job.run(NOW).events_forgotten == 1
    with session_scope(harness.engine) as session:
        assert repo.first_delivery(session, "Ev0OLD", NOW)  # forgotten: new again
        assert not repo.first_delivery(session, "Ev0NEW", NOW)
