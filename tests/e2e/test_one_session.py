"""A `/kpi` command reads the caller once, in one database session (issue 14)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

import bot.runtime
from storage import repo
from storage.db import session_scope

from .conftest import ALICE, LEAD, Harness

pytestmark = pytest.mark.e2e


def _count(monkeypatch: pytest.MonkeyPatch) -> tuple[list[Any], list[str]]:
    """The sessions the runtime opens and the people it reads, from here on."""
    sessions: list[Any] = []
    people: list[str] = []
    real_scope, real_person = session_scope, repo.get_person

    @contextmanager
    def counted_scope(engine: Any) -> Iterator[Any]:
        sessions.append(engine)
        with real_scope(engine) as session:
            yield session

    def counted_person(session: Any, user_id: str) -> Any:
        people.append(user_id)
        return real_person(session, user_id)

    monkeypatch.setattr(bot.runtime, "session_scope", counted_scope)
    monkeypatch.setattr(repo, "get_person", counted_person)
    return sessions, people


def test_a_command_opens_one_session_and_reads_the_person_once(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    sessions, people = _count(monkeypatch)
    reply = harness.kpi("log pipeline 2.1M", user=ALICE)
    assert "Logged" in reply.text
    assert len(sessions) == 1
    assert people == [ALICE]


def test_a_command_that_opens_a_form_reads_its_choices_in_the_same_session(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    sessions, people = _count(monkeypatch)
    harness.send("add", user=LEAD)
    view = harness.wait(lambda: harness.workspace.views_for(LEAD))[-1]
    assert view.callback_id == "kpi_add"
    assert "Sales" in str(view.blocks)  # the team choices are there
    assert len(sessions) == 1
    assert people == [LEAD]
