"""What `/kpi log` and the Log value form say when something is off (issue 13, item 4)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlmodel import Session, select

from storage.models import Measurement

from .conftest import ALICE, SALES, Harness
from .slack_text import text_of


def _stored(harness: Harness) -> list[Measurement]:
    with Session(harness.engine) as session:
        return list(session.exec(select(Measurement)).all())


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("log pipeline abc", "'abc' has no number in it"),
        ("log pipeline NaN", "'NaN' is not a finite number"),
        ("log pipeline inf", "'inf' is not a finite number"),
        ("log qualified pipeline abc late deals", "'abc' has no number in it"),
        ('log "qualified pipeline" great 5', "'great' has no number in it"),
    ],
)
def test_a_word_where_the_value_goes_is_called_not_a_number(
    harness: Harness, typed: str, said: str
) -> None:
    body = text_of(harness.kpi(typed))
    assert said in body
    assert "log needs a value" not in body
    assert "/kpi log pipeline 1.2M" in body  # and how to write it
    assert _stored(harness) == []


def test_no_value_and_no_kpi_still_asks_for_a_value(harness: Harness) -> None:
    body = text_of(harness.kpi("log pipeline"))
    assert "log needs a value" in body
    body = text_of(harness.kpi("log nothing like this"))
    assert "log needs a value" in body


def test_a_log_too_long_for_its_note_points_to_log_not_add(harness: Harness) -> None:
    body = text_of(harness.kpi("log pipeline 1M " + "x" * 4000))
    assert "too long" in body
    assert "/kpi add" not in body
    assert "2,000" in body  # the note's own limit
    assert _stored(harness) == []


def _log_form(harness: Harness) -> Any:
    reply = harness.kpi("show pipeline")
    harness.driver.block_action(ALICE, "log_open", "pipeline", message=reply, channel_id=SALES)
    return harness.wait(
        lambda: [
            v
            for v in harness.workspace.views_for(ALICE)
            if v.definition.get("callback_id") == "log_value"
        ]
    )[-1]


def test_the_log_form_refuses_an_over_long_note_instead_of_cutting_it(harness: Harness) -> None:
    view = _log_form(harness)
    note = next(b for b in view.definition["blocks"] if b.get("block_id") == "note")
    # the box lets a longer note through so kpibot can say what is wrong, not cut it silently
    assert note["element"]["max_length"] > 2000
    response = harness.driver.view_submission(
        ALICE,
        view.id,
        {
            "value": {"value": "2.2M"},
            "period": {"period": "2026-W48"},
            "note": {"note": "n" * 2500},
        },
    )
    errors = response.json()["errors"]
    assert "2,500" in errors["note"] and "2,000" in errors["note"]
    assert _stored(harness) == []
    response = harness.driver.view_submission(
        ALICE,
        view.id,
        {
            "value": {"value": "2.2M"},
            "period": {"period": "2026-W48"},
            "note": {"note": "n" * 2000},
        },
    )
    assert "Logged" in json.dumps(response.json()["view"]["blocks"])


def test_after_logging_a_past_period_the_status_says_which_value_it_describes(
    harness: Harness,
) -> None:
    harness.kpi("log pipeline 3.9M for 2026-W48")
    reply = harness.kpi("log pipeline 1M for 2026-W46")
    assert reply.blocks is not None
    contexts = [b for b in reply.blocks if b["type"] == "context"]
    status = json.dumps(contexts[0])
    assert "week 48" in status  # the latest value the status is about
    assert "$3.9M" in status
    # logging the latest period needs no such words
    reply = harness.kpi("log pipeline 4M for 2026-W48")
    assert reply.blocks is not None
    status = json.dumps(next(b for b in reply.blocks if b["type"] == "context"))
    assert "week 48" not in status


def test_a_period_years_before_the_kpi_existed_is_refused(harness: Harness) -> None:
    body = text_of(harness.kpi("log pipeline 1M for 2019-W01"))
    assert "2019" in body and "before" in body
    assert "kpibot values import" in body  # where real old history goes
    assert _stored(harness) == []
    assert "Logged" in text_of(harness.kpi("log pipeline 1M for 2026-W02"))
