"""What people add to a review: commentary, decisions and action items, per KPI.

Everyone who can see the thread may add commentary and action items; decisions (keep, adjust
the target, retire) are for the team's lead or an admin. A decision records when the KPI was
last re-examined (``kpi.reviewed_at``), which resets its relevance-review clock. A review that
was closed takes nothing more: its summary has gone out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from commands import insight, kpis
from commands.context import CommandError, Context
from commands.fields import Checked, _check_band
from commands.permissions import require_manage
from commands.reviews.action_items import add_action
from commands.text import clean, esc
from core.kinds import Direction
from core.status import Target, validate_target
from storage import repo, reviews
from storage.models import Kpi, Review, ReviewComment, ReviewDecision, ReviewItem, Team

MAX_COMMENT = 3000
MAX_REASON = 1000
OUTCOMES = ("keep", "adjust", "retire")
FormKind = Literal["comment", "decision", "action"]


@dataclass(frozen=True)
class ReviewForm:
    """A form to open for one KPI of a review; the bot turns it into a modal."""

    kind: FormKind
    item_id: int
    kpi_key: str
    kpi_name: str
    team_name: str
    initial: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _Item:
    item: ReviewItem
    review: Review
    kpi: Kpi
    team: Team


def _item(ctx: Context, item_id: int) -> _Item:
    item = ctx.session.get(ReviewItem, item_id)
    review = reviews.get_review(ctx.session, item.review_id) if item else None
    kpi = ctx.session.get(Kpi, item.kpi_id) if item else None
    team = repo.get_team_by_id(ctx.session, review.team_id) if review else None
    if item is None or review is None or kpi is None or team is None:
        raise CommandError("That review is gone.", hint="Start one with `/kpi review start`.")
    if review.status != reviews.OPEN:
        raise CommandError(
            f"The {esc(team.name)} review of {review.meeting_key} is closed; its summary went "
            "out already.",
            hint="Bring it to the next review, or start one with `/kpi review start`.",
        )
    return _Item(item, review, kpi, team)


def _form(found: _Item, kind: FormKind, **initial: Any) -> ReviewForm:
    assert found.item.id is not None
    return ReviewForm(
        kind, found.item.id, found.kpi.key, found.kpi.name, found.team.name, dict(initial)
    )


# --- commentary --------------------------------------------------------------------------------


def comment_form(ctx: Context, item_id: int) -> ReviewForm:
    return _form(_item(ctx, item_id), "comment")


def add_comment(ctx: Context, item_id: int, text: str | None) -> str:
    found = _item(ctx, item_id)
    body = clean(text or "", MAX_COMMENT)
    if not body:
        raise CommandError("Write the story behind the number.", field="comment")
    if len(body) > MAX_COMMENT:
        raise CommandError(
            f"Keep commentary to {MAX_COMMENT} characters (it has {len(body)}).", field="comment"
        )
    assert found.review.id is not None
    assert found.kpi.id is not None
    ctx.session.add(
        ReviewComment(
            review_id=found.review.id,
            kpi_id=found.kpi.id,
            author=ctx.actor,
            text=body,
            source="modal",
            created_at=ctx.now,
            updated_at=ctx.now,
        )
    )
    return f"Added your commentary on *{esc(found.kpi.name)}* to the {esc(found.team.name)} review."


# --- decisions ---------------------------------------------------------------------------------


def decision_form(ctx: Context, item_id: int) -> ReviewForm:
    found = _item(ctx, item_id)
    require_manage(ctx, found.team, f"record decisions on {esc(found.team.name)}'s KPIs")
    return _form(found, "decision", target=insight.target_text(found.kpi))


def decide(
    ctx: Context, item_id: int, outcome: str | None, reason: str | None, new_target: str | None
) -> str:
    """Keep, adjust or retire the KPI of a review item, with the reason; returns what happened."""
    found = _item(ctx, item_id)
    kpi, team = found.kpi, found.team
    require_manage(ctx, team, f"record decisions on {esc(team.name)}'s KPIs")
    if outcome not in OUTCOMES:
        raise CommandError("Choose keep, adjust or retire.", field="outcome")
    why = clean(reason or "", MAX_REASON)
    if not why:
        raise CommandError("Give the reason, so the next review knows it.", field="reason")
    if len(why) > MAX_REASON:
        raise CommandError(f"Keep the reason to {MAX_REASON} characters.", field="reason")
    if not kpi.active:
        raise CommandError(f"*{esc(kpi.name)}* was retired already.", field="outcome")
    before = insight.target_text(kpi)
    after: str | None = None
    if outcome == "adjust":
        after = _adjust_target(ctx, kpi, new_target, why)
    elif outcome == "retire":
        kpis.retire(ctx, kpi.key, why)
    kpi.reviewed_at, kpi.updated_at = ctx.now, ctx.now
    ctx.session.add(kpi)
    ctx.session.add(
        ReviewDecision(
            review_id=found.review.id,
            kpi_id=kpi.id or 0,
            outcome=outcome,
            reason=why,
            target_before=before,
            target_after=after,
            decided_by=ctx.actor,
            decided_at=ctx.now,
        )
    )
    repo.audit(
        ctx.session,
        actor=ctx.actor,
        action="review.decision",
        entity="kpi",
        key=kpi.key,
        now=ctx.now,
        details={"outcome": outcome, "reason": why, "from": before, "to": after},
    )
    name = f"*{esc(kpi.name)}*"
    if outcome == "keep":
        return f"Decision recorded: keep {name} ({esc(why)})."
    if outcome == "adjust":
        return f"Decision recorded: {name} now targets {esc(after)} (was {esc(before)})."
    return f"Decision recorded: retired {name}; its history is kept ({esc(why)})."


def _adjust_target(ctx: Context, kpi: Kpi, text: str | None, reason: str) -> str:
    raw = (text or "").strip()
    if not raw:
        raise CommandError("Adjusting needs the new target.", field="target")
    checked = Checked()
    if kpi.direction is Direction.BAND:
        _check_band(checked, raw, kpi.unit)
        low, high = checked.values.get("band_low"), checked.values.get("band_high")
        target = Target(kpi.direction, None, kpi.baseline, low, high)
    else:
        checked.number("target", raw, kpi.unit)
        target = Target(kpi.direction, checked.values.get("target"), kpi.baseline)
    if checked.errors:
        raise CommandError(next(iter(checked.errors.values())), field="target")
    problems = validate_target(target, unit=kpi.unit)
    if problems:
        raise CommandError(esc(" ".join(problems)), field="target")
    changes: dict[str, dict[str, Any]] = {}
    for name in ("target", "band_low", "band_high"):
        value = getattr(target, name)
        if value != getattr(kpi, name):
            changes[name] = {"from": getattr(kpi, name), "to": value}
            setattr(kpi, name, value)
    if not changes:
        raise CommandError(
            f"The target is {esc(insight.target_text(kpi))} already; choose keep instead.",
            field="target",
        )
    repo.audit(
        ctx.session,
        actor=ctx.actor,
        action="kpi.edit",
        entity="kpi",
        key=kpi.key,
        now=ctx.now,
        details={**changes, "reason": reason},
    )
    return insight.target_text(kpi)


# --- action items ------------------------------------------------------------------------------


def action_form(ctx: Context, item_id: int) -> ReviewForm:
    found = _item(ctx, item_id)
    return _form(found, "action", owner=found.kpi.owner_user_id)


def add_review_action(
    ctx: Context, item_id: int, text: str | None, owner: str | None, due: date | None
) -> str:
    found = _item(ctx, item_id)
    item = add_action(
        ctx,
        text=text,
        owner=owner,
        due=due,
        team=found.team,
        kpi=found.kpi,
        review_id=found.review.id,
    )
    when = f", due {item.due_date.isoformat()}" if item.due_date else ""
    return (
        f"Action item on *{esc(found.kpi.name)}* for <@{item.owner_user_id}>{when}: "
        f"{esc(item.text)}"
    )
