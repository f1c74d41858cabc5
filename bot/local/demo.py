"""The demo company `kpibot local` starts with, in the workspace and in the database.

Lumen Labs is two shipped files: `demo_company.yml`, an ordinary config-as-code file (people,
teams, cascading goals, KPIs with owners, a V2MOM), and `demo_history.csv`, a few months of
values. The history counts periods back from today (`periods_ago` 1 is the last finished
period) and the company is configured as of before it starts, so the demo is never stale;
seeding turns it into the `kpi,period,value,note` CSV that `kpibot values import` reads and
imports it through the same code. The history shows every status whatever the date: one KPI
has reached its target (on track), one has no baseline and sits just short of its target (at
risk, with no pace to lift it), one is worse than its baseline (off track). One KPI's latest
value is missing (it is late) and one owner is away with a delegate, set through the same use
case as `/kpi away`.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlmodel import Session

from commands import people
from commands.alerts.observe import observe
from commands.configfile import ConfigSpec, apply_config, parse_config
from commands.context import Context, Policy
from commands.values_file import import_values
from core.cadence import Period, period_for
from localslack import Workspace
from localslack.clock import Clock
from storage import repo
from storage.db import session_scope

HERE = Path(__file__).parent
COMPANY_FILE = HERE / "demo_company.yml"
HISTORY_FILE = HERE / "demo_history.csv"

TEAM_NAME = "Lumen Labs"
DOMAIN = "lumen-labs"
DEFAULT_USER = "U0DEMOMAYA"  # the page first acts as Maya, who leads Sales
ADMIN = "U0DEMOGRACE"  # Grace, the CEO, administers kpibot
AWAY = "U0DEMOTOMAS"  # Tomás is on holiday ...
DELEGATE = "U0DEMOANA"  # ... and Ana logs his KPIs meanwhile
AWAY_DAYS = 10
LATE_KPI = "mqls"  # last week's value was never logged
CONFIGURED_AGO = timedelta(weeks=18)  # longer ago than the history in demo_history.csv
GENERAL = ("C0DEMOGENRL", "general", "Company-wide announcements and the KPI roll-up")
ACTOR = "demo"


@dataclass(frozen=True)
class Seeded:
    """What seeding wrote (all zero when the database already had teams)."""

    teams: int
    kpis: int
    values: int

    @property
    def seeded(self) -> bool:
        return self.teams > 0


def company(today: date) -> ConfigSpec:
    """The demo company's config, its deadlines placed relative to `today`."""
    text = COMPANY_FILE.read_text(encoding="utf-8")
    text = text.replace("{{this_year}}", str(today.year)).replace(
        "{{next_year}}", str(today.year + 1)
    )
    text = _MONTH.sub(lambda found: _month_from(today, int(found.group(1))), text)
    return parse_config(text, COMPANY_FILE.name)


_MONTH = re.compile(r"\{\{month([+-]\d+)\}\}")


def _month_from(today: date, months: int) -> str:
    """The key of the month ``months`` from today's: ``2026-10`` for -2 in December 2026."""
    index = today.year * 12 + today.month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def make_workspace(spec: ConfigSpec, clock: Clock) -> Workspace:
    """The local workspace: the company's people, #general, and one channel per team."""
    ws = Workspace(team_name=TEAM_NAME, domain=DOMAIN, clock=clock)
    for person in spec.people:
        name = str(person.fields.get("name") or person.key)
        first = unicodedata.normalize("NFKD", name.split()[0]).encode("ascii", "ignore").decode()
        handle = re.sub(r"[^a-z0-9]+", ".", first.lower()).strip(".") or person.key.lower()
        ws.add_user(
            person.key,
            handle,
            tz=str(person.fields.get("timezone") or "UTC"),
            real_name=name,
            display_name=name.split()[0],
            email=f"{handle}@{DOMAIN}.example",
            is_admin=person.key == ADMIN,
        )
    channel_id, channel_name, purpose = GENERAL
    ws.add_channel(channel_id, channel_name, purpose=purpose, topic=purpose)
    for team in spec.teams:
        if team.fields.get("channel"):
            name = str(team.fields.get("name") or team.key)
            slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
            ws.add_channel(str(team.fields["channel"]), slug, topic=f"The {name} team's channel")
    return ws


def add_database_people(ws: Workspace, engine: Engine) -> None:
    """Channels and people the database knows but the demo does not (from earlier runs)."""
    with session_scope(engine) as session:
        teams = repo.list_teams(session)
        known = {u.id for u in ws.users}
        owners = {k.owner_user_id for k in repo.list_kpis(session)}
        leads = {t.lead_user_id for t in teams if t.lead_user_id}
        for user_id in sorted((owners | leads) - known):
            person = repo.get_person(session, user_id)
            name = person.display_name if person and person.display_name else user_id
            tz = person.timezone if person and person.timezone else "UTC"
            ws.add_user(user_id, name.split()[0].lower(), tz=tz, real_name=name)
        channels = {c.id for c in ws.channels}
        for team in teams:
            if team.channel_id and team.channel_id not in channels:
                ws.add_channel(team.channel_id, team.key, topic=f"The {team.name} team's channel")


def seed(engine: Engine, *, now: datetime, policy: Policy) -> Seeded:
    """Write the demo company into an empty database; leave any other database alone."""
    with session_scope(engine) as session:
        if repo.list_teams(session):
            return Seeded(0, 0, 0)
        today = now.astimezone(policy.tz).date()
        spec = company(today)
        # As if the company had set kpibot up when its history starts, months ago.
        apply_config(session, spec, actor=ACTOR, now=now - CONFIGURED_AGO)
        session.flush()
        summary = import_values(
            session, history_csv(session, now), actor=ACTOR, now=now, name=HISTORY_FILE.name
        )
        away_until = today + timedelta(days=AWAY_DAYS)
        tz = ZoneInfo(str(next(p for p in spec.people if p.key == AWAY).fields["timezone"]))
        ctx = Context(session=session, actor=AWAY, now=now, policy=policy, actor_tz=tz)
        people.away(ctx, away_until, DELEGATE)
        # An import tells no subscribers, so look at each KPI for alerts once, as a logged
        # value would: the KPIs already off track queue their owner's alert, which the alerts
        # job (the clock control, or the scheduler) sends in the owner's working hours.
        for kpi in spec.kpis:
            observe(session, kpi.key, now=now, policy=policy)
        return Seeded(len(spec.teams), len(spec.kpis), summary.written)


def history_csv(session: Session, now: datetime) -> str:
    """`demo_history.csv` with each `periods_ago` turned into that period's key."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["kpi", "period", "value", "note"])
    with HISTORY_FILE.open(encoding="utf-8", newline="") as source:
        for row in csv.DictReader(source):
            kpi = repo.get_kpi(session, row["kpi"])
            if kpi is None:
                raise LookupError(f"{HISTORY_FILE.name}: no KPI {row['kpi']!r} in the demo")
            team = repo.get_team_by_id(session, kpi.team_id)
            tz = ZoneInfo(team.timezone if team and team.timezone else "UTC")
            period = _periods_back(period_for(kpi.cadence, now, tz), int(row["periods_ago"]))
            writer.writerow([kpi.key, period.key, row["value"], row["note"]])
    return out.getvalue()


def _periods_back(current: Period, count: int) -> Period:
    period = current
    for _ in range(count):
        period = period.previous()
    return period
