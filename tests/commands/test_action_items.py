"""Action items: recorded with an owner and a due date, open until marked done."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session

from commands.context import CommandError, Context, Policy
from commands.reviews.action_items import (
    add_action,
    mark_done,
    open_action_items,
    open_action_items_by_team,
)
from storage.models import Kpi, Team

from ..conftest import NOW

LEAD, ALICE, EVE, ADMIN = "U0LEAD001", "U0ALICE01", "U0EVE0001", "U0ADMIN01"


def ctx(session: Session, actor: str) -> Context:
    return Context(session=session, actor=actor, now=NOW, policy=Policy(admins=frozenset({ADMIN})))


def seed(session: Session) -> tuple[Team, Team, Kpi]:
    sales = Team(key="sales", name="Sales", lead_user_id=LEAD, created_at=NOW, updated_at=NOW)
    ops = Team(key="ops", name="Ops", created_at=NOW, updated_at=NOW)
    session.add(sales)
    session.add(ops)
    session.flush()
    kpi = Kpi(
        key="pipeline", name="Qualified pipeline", owner_user_id=ALICE, team_id=sales.id,
        created_at=NOW, updated_at=NOW,
    )  # fmt: skip
    session.add(kpi)
    session.flush()
    return sales, ops, kpi


def test_open_items_come_earliest_due_first_and_leave_when_done(session: Session) -> None:
    sales, ops, kpi = seed(session)
    c = ctx(session, LEAD)
    later = add_action(c, text="Call the top 5", owner=ALICE, due=date(2026, 12, 10), team=sales)
    add_action(c, text="No date", owner=EVE, due=None, team=sales)
    soon = add_action(
        c, text="  Fix   the CRM export ", owner=ALICE, due=date(2026, 12, 1), team=sales, kpi=kpi
    )
    add_action(c, text="Elsewhere", owner=EVE, due=None, team=ops)
    items = open_action_items(session, sales.id or 0)
    assert [i.text for i in items] == ["Fix the CRM export", "Call the top 5", "No date"]
    assert items[0].kpi_key == "pipeline" and items[0].team_key == "sales"
    assert items[0].overdue(date(2026, 12, 2)) and not items[2].overdue(date(2030, 1, 1))
    assert "Marked done" in mark_done(ctx(session, ALICE), soon.id or 0)
    assert "already marked done" in mark_done(ctx(session, ALICE), soon.id or 0)
    by_team = open_action_items_by_team(session, [sales.id or 0, ops.id or 0])
    assert [i.text for i in by_team[sales.id or 0]] == ["Call the top 5", "No date"]
    assert [i.text for i in by_team[ops.id or 0]] == ["Elsewhere"]
    assert later.id is not None


def test_only_owner_author_lead_or_admin_mark_done(session: Session) -> None:
    sales, _, _ = seed(session)
    item = add_action(ctx(session, ALICE), text="Do it", owner=ALICE, due=None, team=sales)
    with pytest.raises(CommandError, match="Only <@U0ALICE01>"):
        mark_done(ctx(session, EVE), item.id or 0)
    assert "Marked done" in mark_done(ctx(session, LEAD), item.id or 0)


@pytest.mark.parametrize(
    ("text", "owner", "due", "field"),
    [
        ("", ALICE, None, "text"),
        ("x" * 501, ALICE, None, "text"),
        ("Do it", None, None, "owner"),
        ("Do it", ALICE, date(2026, 11, 1), "due"),
    ],
)
def test_bad_items_are_refused_on_the_field(
    session: Session, text: str, owner: str | None, due: date | None, field: str
) -> None:
    sales, _, _ = seed(session)
    with pytest.raises(CommandError) as caught:
        add_action(ctx(session, LEAD), text=text, owner=owner, due=due, team=sales)
    assert caught.value.field == field


def test_unknown_item(session: Session) -> None:
    with pytest.raises(CommandError, match="no action item 99"):
        mark_done(ctx(session, LEAD), 99)
