"""What the forms and review buttons say (issue 13, item 10): plain text where Slack shows
plain text, words that fit the input, labels that agree with the rules, refusals in the thread."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot.reviews import job as review_jobs
from localslack import LocalSlackServer

from .conftest import ALICE, LEAD, NOW, Harness
from .review_helpers import key_of, make_job, parents, press, set_schedule, text_of, thread


def _kpi_form(harness: Harness) -> Any:
    harness.send("add", user=LEAD)
    return harness.wait(
        lambda: [
            v
            for v in harness.workspace.views_for(LEAD)
            if v.definition.get("callback_id") == "kpi_add"
        ]
    )[-1]


def _block(view: Any, block_id: str) -> dict[str, Any]:
    return next(b for b in view.definition["blocks"] if b.get("block_id") == block_id)


def test_form_errors_are_plain_text_and_fit_the_input(harness: Harness) -> None:
    view = _kpi_form(harness)
    response = harness.driver.view_submission(
        LEAD,
        view.id,
        {"key": {"key": "Bad Key!"}, "name": {"name": "Bad & good"}, "target": {"target": "5"}},
    )
    errors = response.json()["errors"]
    # Slack shows these under the inputs as plain text: no mrkdwn, no escaped entities
    for message in errors.values():
        assert "`" not in message and "&amp;" not in message and "&lt;" not in message
    assert "pipeline" in errors["key"]
    # the owner is a people dropdown: pick someone, there is nothing to @-mention
    assert "pick" in errors["owner"].lower()
    assert "@-mention" not in errors["owner"]


def test_the_target_input_says_when_it_is_needed_as_the_rule_does(harness: Harness) -> None:
    view = _kpi_form(harness)
    target = _block(view, "target")
    hint = target.get("hint", {}).get("text", "")
    assert "needed" in hint.lower() and "range" in hint.lower()
    response = harness.driver.view_submission(
        LEAD,
        view.id,
        {"key": {"key": "demos"}, "name": {"name": "Demos"}, "owner": {"owner": ALICE}},
    )
    assert "needs a target" in response.json()["errors"]["target"]


@pytest.fixture
def _review_posting_finished(harness: Harness) -> Iterator[None]:
    yield
    review_jobs.wait_for_kicks()


@pytest.mark.usefixtures("_review_posting_finished")
def test_a_refused_review_button_answers_in_the_thread(
    harness: Harness, slack_server: LocalSlackServer
) -> None:
    set_schedule(harness.engine)
    make_job(harness, slack_server).run(NOW)
    parent = parents(harness.workspace)[0]
    pipeline = next(m for m in thread(harness.workspace, parent) if key_of(m).endswith("#pipeline"))
    press(harness, ALICE, "review_decision_open", pipeline)
    refusal = harness.wait(lambda: harness.workspace.ephemerals_for(ALICE))[-1]
    assert "Only the lead of Sales" in text_of(refusal)
    assert refusal.thread_ts == parent.ts
