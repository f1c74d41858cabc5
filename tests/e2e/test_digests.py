"""Weekly digests end to end: the real app and job against the local Slack stand-in."""

from __future__ import annotations

import json
import urllib.error
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from commands.digests.plan import plan
from storage import digests, outbox, repo
from storage.db import session_scope
from storage.models import Delivery, DigestPost

from .conftest import ADMIN, ALICE, BOB, EVE, LEAD, MARKETING, SALES, Harness

MONDAY = datetime(2026, 11, 30, 14, 5, tzinfo=UTC)  # Sales's digest went out at 14:00 UTC
LEADERS = "C0LEADERS"


@pytest.fixture
def h(harness: Harness) -> Iterator[Harness]:
    harness.clock[0] = MONDAY
    harness.runtime.settings = harness.runtime.settings.model_copy(update={"render_workers": 0})
    with session_scope(harness.engine) as session:
        pipeline = repo.get_kpi(session, "pipeline")
        assert pipeline is not None
        for week, value in [(45, 1.6e6), (47, 1.9e6), (48, 2.0e6)]:
            repo.log_value(
                session, pipeline, period_key=f"2026-W{week}",
                period_start=date.fromisocalendar(2026, week, 1), value=value, note=None,
                source="test", by=ALICE, now=MONDAY - timedelta(days=3),
            )  # fmt: skip
    yield harness
    harness.runtime.close()


def run(h: Harness, now: datetime = MONDAY) -> Any:
    return h.runtime.digests.run(now)


def digest_messages(h: Harness, channel: str) -> list[Any]:
    return [m for m in h.workspace.messages_in(channel) if "digest" in (m.text or "")]


def image_of(message: Any) -> dict[str, Any]:
    (image,) = [b for b in message.blocks if b["type"] == "image"]
    return dict(image)


def text_of(message: Any) -> str:
    return json.dumps(message.blocks, ensure_ascii=False)


def deliveries(h: Harness) -> dict[str, Delivery]:
    with Session(h.engine) as session:
        return {d.key: d for d in session.exec(select(Delivery)) if d.kind.startswith("digest")}


def test_each_team_channel_gets_one_charted_digest_a_week(h: Harness) -> None:
    report = run(h)
    assert "Sent 2 digests" in str(report)
    (sales,) = digest_messages(h, SALES)
    assert sales.text.startswith("Sales digest, week 48 (23-29 Nov 2026): 1 at risk, 2 missing")
    body = text_of(sales)
    assert "Sales — week 48 (23-29 Nov 2026)" in body
    assert "*$2M* (↗ +$100k (+5%) vs W47, better)" in body
    assert "Build a $4M qualified pipeline in H1" in body
    assert f"Monthly churn (October 2026) — <@{BOB}> · *late*" in body
    image = image_of(sales)
    file = h.workspace.file(image["slack_file"]["id"])
    assert file is not None and file.content is not None and file.content.startswith(b"\x89PNG")
    assert file.channels == []  # uploaded privately; the message shows it
    assert image["alt_text"].startswith("Sales · week 48: 3 KPIs")
    (marketing,) = digest_messages(h, MARKETING)
    assert "No KPIs yet" in text_of(marketing)
    assert len(h.workspace.calls_to("files.completeUploadExternal")) == 2  # one image a channel

    rows = deliveries(h)
    sent = rows["digest:sales:2026-W48"]
    assert (sent.status, sent.channel_id, sent.message_ts) == ("sent", SALES, sales.ts)
    again = run(h, MONDAY + timedelta(minutes=1))
    assert "Sent 0 digests" in str(again)
    assert len(digest_messages(h, SALES)) == 1
    assert run(h, MONDAY + timedelta(days=7)).planned.created == 2  # next week's


def test_a_late_value_updates_the_posted_digest_in_place(h: Harness) -> None:
    run(h)
    (before,) = digest_messages(h, SALES)
    old_file = image_of(before)["slack_file"]["id"]
    h.clock[0] = MONDAY + timedelta(minutes=1)
    h.kpi("log churn 2.9% for 2026-10", user=BOB)
    report = run(h, MONDAY + timedelta(minutes=2))
    assert "updated 1 of 1 with late values" in str(report)
    (after,) = digest_messages(h, SALES)
    assert after.ts == before.ts and after.edited is not None
    assert "1 missing" in after.text and "*2.9%*" in text_of(after)
    new_file = image_of(after)["slack_file"]["id"]
    assert new_file != old_file
    assert len(h.workspace.calls_to("chat.update")) == 1
    # Nothing else changed: the next run looks at nothing and updates nothing.
    assert "updated 0 of 0" in str(run(h, MONDAY + timedelta(minutes=3)))
    # A value for the week in progress is not in week 48's digest: looked at, not updated.
    h.clock[0] = MONDAY + timedelta(minutes=3, seconds=30)
    h.kpi("log pipeline 2.2M", user=ALICE)
    assert "updated 0 of 1" in str(run(h, MONDAY + timedelta(minutes=4)))
    assert len(h.workspace.calls_to("chat.update")) == 1
    with Session(h.engine) as session:
        post = session.exec(select(DigestPost).where(DigestPost.message_ts == before.ts)).one()
        assert (post.updates, post.file_id) == (1, new_file)


def test_a_channel_without_kpibot_fails_once_and_the_lead_learns_the_fix(h: Harness) -> None:
    h.workspace.set_bot_membership(SALES, False)
    report = run(h)
    assert "failed digest:sales:2026-W48: not_in_channel" in str(report)
    row = deliveries(h)["digest:sales:2026-W48"]
    assert (row.status, row.error) == ("failed", "not_in_channel")
    (dm,) = h.workspace.dm_with(LEAD)
    assert "Invite it there with `/invite @kpibot`" in dm.text
    assert "/kpi digest preview team:sales" in dm.text
    posts = len(h.workspace.calls_to("chat.postMessage"))
    run(h, MONDAY + timedelta(minutes=1))
    run(h, MONDAY + timedelta(minutes=2))
    assert len(h.workspace.calls_to("chat.postMessage")) == posts  # no retry loop
    with Session(h.engine) as session:
        assert session.exec(select(DigestPost)).all() != []  # marketing's
        assert digests.post_for_delivery(session, row.id or 0) is None


def _crashed_while_posting(h: Harness, *, slack_got_it: bool) -> None:
    """A run planned and claimed the digests, recorded Sales's post, then died before Slack
    answered (or before it could record the answer); Slack may have the message or not."""
    with session_scope(h.engine) as session:
        plan(session, policy=h.runtime.policy, now=MONDAY, leadership_channel=None)
    with session_scope(h.engine) as session:
        claimed = outbox.claim(session, owner="crashed", now=MONDAY, lease=timedelta(minutes=1),
                               kinds=["digest"])  # fmt: skip
        sales = next(c for c in claimed if c.key == "digest:sales:2026-W48")
        team = repo.get_team(session, "sales")
        assert team is not None
        digests.start_post(
            session, team_id=team.id, week_key="2026-W48", moment=MONDAY, channel_id=SALES,
            delivery_id=sales.id, fingerprint="", file_id=None, now=MONDAY,
        )  # fmt: skip
    if slack_got_it:
        h.workspace.post_message(
            SALES, "Sales weekly digest", metadata={
                "event_type": "kpibot_delivery", "event_payload": {"key": sales.key}})  # fmt: skip


def test_a_digest_an_interrupted_run_posted_is_found_and_not_posted_again(h: Harness) -> None:
    _crashed_while_posting(h, slack_got_it=True)
    report = run(h, MONDAY + timedelta(minutes=5))  # after the crashed run's lease ran out
    assert report.found_already_sent == 1, str(report)
    assert len(digest_messages(h, SALES)) == 1
    assert deliveries(h)["digest:sales:2026-W48"].status == "sent"
    assert h.workspace.dm_with(LEAD) == []
    with Session(h.engine) as session:  # found, so a late value can update it
        post = session.exec(select(DigestPost).where(DigestPost.channel_id == SALES)).one()
        assert post.message_ts == digest_messages(h, SALES)[0].ts
    assert len(digest_messages(h, MARKETING)) == 1


def test_a_digest_an_interrupted_run_did_not_post_is_posted_once(h: Harness) -> None:
    _crashed_while_posting(h, slack_got_it=False)
    report = run(h, MONDAY + timedelta(minutes=5))
    assert not report.failed, str(report)
    (posted,) = digest_messages(h, SALES)
    assert posted.metadata["event_payload"]["key"] == "digest:sales:2026-W48"
    assert deliveries(h)["digest:sales:2026-W48"].status == "sent"
    assert len(digest_messages(h, MARKETING)) == 1


def test_a_digest_slack_never_answered_for_is_looked_for_once_the_configured_lease_ends(
    h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lease is KPIBOT_DELIVERY_LEASE (5 minutes here), as for every other kind: a killed
    or unanswered sender holds its digests that long, not ten minutes."""
    client = h.runtime.digests.slack.client
    real_post = client.chat_postMessage

    def answer_lost(**kwargs: Any) -> Any:
        real_post(**kwargs)  # Slack posts it; the answer never arrives
        raise urllib.error.URLError("connection reset by peer")

    monkeypatch.setattr(client, "chat_postMessage", answer_lost)
    first = run(h)
    assert first.in_doubt == 2 and not first.failed, str(first)
    monkeypatch.setattr(client, "chat_postMessage", real_post)

    lease = h.runtime.settings.delivery_lease
    later = run(h, MONDAY + lease + timedelta(seconds=30))
    assert later.found_already_sent == 2, str(later)
    assert len(digest_messages(h, SALES)) == 1 and len(digest_messages(h, MARKETING)) == 1
    assert {d.status for d in deliveries(h).values()} == {"sent"}


def test_preview_shows_the_digest_only_to_the_caller(h: Harness) -> None:
    reply = h.kpi("digest preview", user=EVE)
    body = json.dumps(reply.blocks)
    assert "Preview: only you can see this" in body
    assert image_of(reply)["slack_file"]["id"]
    assert digest_messages(h, SALES) == []


def test_only_leads_and_admins_post_a_digest_now(h: Harness) -> None:
    refused = h.kpi("digest", user=EVE)
    assert "Only the lead of Sales" in json.dumps(refused.blocks)
    h.send("digest", user=LEAD)
    (posted,) = h.wait(lambda: digest_messages(h, SALES) or None)
    assert image_of(posted)
    h.send("digest team:marketing", user=ADMIN, channel=SALES)
    h.wait(lambda: len(digest_messages(h, SALES)) == 2 or None)
    # A late value updates the digests posted by hand too.
    h.clock[0] = MONDAY + timedelta(minutes=1)
    h.kpi("log churn 3.1% for 2026-10", user=BOB)
    assert "updated 1 of 1" in str(run(h, MONDAY + timedelta(minutes=2)))


def test_posting_by_hand_where_kpibot_is_not_invited_says_how_to_fix_it(h: Harness) -> None:
    h.workspace.set_bot_membership(SALES, False)
    h.send("digest", user=LEAD)
    reply = h.wait(lambda: h.workspace.ephemerals_for(LEAD) or None)[-1]
    assert "`/invite @kpibot`" in json.dumps(reply.blocks)


def test_the_company_rollup_goes_to_the_leadership_channel(h: Harness) -> None:
    h.workspace.add_channel(LEADERS, "leadership", members=[ADMIN])
    h.runtime.settings = h.runtime.settings.model_copy(update={"leadership_channel": LEADERS})
    report = run(h)
    assert "Sent 3 digests" in str(report)
    (rollup,) = h.workspace.messages_in(LEADERS)
    body = text_of(rollup)
    assert "Company roll-up — week 48" in body
    assert "*Grow ARR to $12M*" in body and "\u2003" in body  # the tree, indented
    assert image_of(rollup)["alt_text"].startswith("Company KPIs by goal · week 48")
    assert "digest-rollup:2026-W48" in deliveries(h)


def test_a_rollup_channel_kpibot_cannot_post_in_is_reported_to_the_admins(h: Harness) -> None:
    h.workspace.add_channel(LEADERS, "leadership", members=[ADMIN])
    h.workspace.set_bot_membership(LEADERS, False)
    h.runtime.settings = h.runtime.settings.model_copy(update={"leadership_channel": LEADERS})
    report = run(h)
    assert "failed digest-rollup:2026-W48: not_in_channel" in str(report)
    (dm,) = h.workspace.dm_with(ADMIN)
    assert "Company's weekly digest" in dm.text and "`/invite @kpibot`" in dm.text
    assert "`kpibot digest render --rollup`" in dm.text


def test_rate_limits_are_waited_out_and_nothing_is_lost(h: Harness) -> None:
    h.workspace.rate_limit("chat.postMessage", times=2, retry_after=1)
    h.workspace.rate_limit("files.getUploadURLExternal", times=1, retry_after=1)
    report = run(h)
    assert "Sent 2 digests" in str(report)
    assert len(digest_messages(h, SALES)) == 1


def test_charts_can_be_drawn_in_worker_processes(h: Harness) -> None:
    h.runtime.settings = h.runtime.settings.model_copy(update={"render_workers": 1})
    assert "Sent 2 digests" in str(run(h))
    file = h.workspace.file(image_of(digest_messages(h, SALES)[0])["slack_file"]["id"])
    assert file is not None and file.content is not None and file.content.startswith(b"\x89PNG")
