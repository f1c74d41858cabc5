"""Every ``/kpi`` subcommand, declared once: its words, usage, examples, parser and handler.

:func:`parse`, :func:`commands.dispatch.run`, ``/kpi help [topic]`` and the usage line under
every usage error all read :data:`ENTRIES`, and a test checks the README's command table
against it, so a new subcommand is one entry here (plus its parser and use case).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeAlias

from commands import alignment, api_tokens_slack, goals, kpis, people, scorecard, v2mom, values
from commands.alerts import settings as alert_settings
from commands.context import Context
from commands.digests import commands as digest_commands
from commands.lookup import resolve_team
from commands.parsing import alerts as alert_parsing
from commands.parsing import goals as goal_parsing
from commands.parsing import kpis as kpi_parsing
from commands.parsing import people as people_parsing
from commands.parsing import teams as team_parsing
from commands.parsing.alerts import AlertsChannel, AlertsList, AlertsSet, ScorecardRequest
from commands.parsing.api_tokens import (
    TokensCreate,
    TokensList,
    TokensRevoke,
    parse_tokens,
)
from commands.parsing.goals import GoalAdd, GoalCommand, GoalList, GoalShow
from commands.parsing.kpis import KpiCommand
from commands.parsing.people import Away, Back
from commands.parsing.teams import (
    Actions,
    Digest,
    DigestSchedule,
    Health,
    Review,
    V2momEdit,
    V2momShow,
)
from commands.parsing.text import (
    MAX_COMMAND_CHARS,
    UsageError,
    closest,
    fail,
    shown,
    strip_controls,
)
from commands.parsing.tokens import Scanner, try_scan
from commands.parsing.values import Log, parse_log
from commands.results import Notice, Result
from commands.reviews import commands as review_commands
from commands.text import MAX_NOTE_CHARS


@dataclass(frozen=True)
class Help:
    topic: str | None = None  # a topic (an entry's first word), or None for the overview


Command: TypeAlias = (
    Help
    | KpiCommand
    | GoalCommand
    | Log
    | Away
    | Back
    | V2momShow
    | V2momEdit
    | Digest
    | DigestSchedule
    | Review
    | Actions
    | Health
    | AlertsList
    | AlertsSet
    | AlertsChannel
    | ScorecardRequest
    | TokensList
    | TokensCreate
    | TokensRevoke
)
Parser: TypeAlias = Callable[[Scanner, date], Command]
# A handler gets the command its entry's parser made (typed per entry in the lambdas below).
Handler: TypeAlias = Callable[[Context, Any, "str | None"], Result]


@dataclass(frozen=True)
class Subcommand:
    words: tuple[str, ...]  # the first is its name and help topic; the others are aliases
    usage: str  # the form in backticks, then what it does
    examples: tuple[str, ...]
    parse: Parser
    handle: Handler
    commands: tuple[type, ...]  # what `parse` returns, so dispatch finds the handler
    alias_parsers: dict[str, Parser] = field(default_factory=dict)  # an alias read differently

    @property
    def topic(self) -> str:
        return self.words[0]

    @property
    def help(self) -> str:
        label = "Example" if len(self.examples) == 1 else "Examples"
        return f"{self.usage} {label}: " + ", ".join(f"`{example}`" for example in self.examples)


HELP_WORDS = ("help", "--help", "-h", "?")


def _parse_help(scanner: Scanner, today: date) -> Help:
    token = scanner.take()
    if token is None:
        return Help()
    word = token.text.lower()
    topic = _TOPICS.get(word)
    if topic is not None:
        return Help(topic)
    guess = closest(word, list(USAGE))
    hint = f" Did you mean `/kpi help {guess}`?" if guess else ""
    raise fail(f"There is no help topic `{shown(word)}`.{hint} Topics: {', '.join(USAGE)}.", "help")


def _goal(ctx: Context, command: GoalCommand, channel_id: str | None) -> Result:
    if isinstance(command, GoalAdd):
        return goals.add_goal(ctx, command.fields)
    if isinstance(command, GoalShow):
        return goals.show_goal(ctx, command.key)
    return goals.goal_tree(ctx)


def _v2mom(ctx: Context, command: V2momShow | V2momEdit, channel_id: str | None) -> Result:
    team = resolve_team(ctx, command.team, channel_id, example="/kpi v2mom sales")
    return v2mom.open_edit(ctx, team) if isinstance(command, V2momEdit) else v2mom.show(ctx, team)


def _digest(ctx: Context, command: Digest | DigestSchedule, channel_id: str | None) -> Result:
    if isinstance(command, DigestSchedule):
        return digest_commands.schedule(ctx, command.team, channel_id, command.when)
    return digest_commands.digest(ctx, command.team, channel_id, preview=command.preview)


ENTRIES: tuple[Subcommand, ...] = (
    Subcommand(
        ("help",),
        "`/kpi help [topic]` shows what I can do, or more about one command.",
        ("/kpi help log",),
        _parse_help,
        lambda ctx, command, channel: Notice(help_text(command.topic)),
        (Help,),
    ),
    Subcommand(
        ("add",),
        '`/kpi add [key "Name" field:value …] [force]` adds a KPI; with nothing after `add` a '
        "form opens. Fields: team, goal, owner, unit, target, baseline, band, cadence, "
        "direction, indicator, decision, definition.",
        (
            '/kpi add pipeline "Qualified pipeline" team:sales goal:pipeline-h1 owner:@alice '
            "unit:USD target:4M cadence:weekly direction:up",
        ),
        kpi_parsing.parse_add,
        lambda ctx, command, channel: kpis.add_kpi(ctx, command.fields, force=command.force),
        (kpi_parsing.KpiAdd,),
    ),
    Subcommand(
        ("edit",),
        "`/kpi edit KPI` opens a form to edit a KPI.",
        ("/kpi edit pipeline",),
        kpi_parsing.parse_edit,
        lambda ctx, command, channel: kpis.open_edit(ctx, command.key),
        (kpi_parsing.KpiEdit,),
    ),
    Subcommand(
        ("owner",),
        "`/kpi owner KPI @person` hands a KPI to a new owner.",
        ("/kpi owner pipeline @bob",),
        kpi_parsing.parse_owner,
        lambda ctx, command, channel: kpis.hand_over(ctx, command.key, command.user_id),
        (kpi_parsing.KpiOwner,),
    ),
    Subcommand(
        ("retire",),
        "`/kpi retire KPI [reason]` retires a KPI; its history stays.",
        ("/kpi retire pipeline replaced by SQLs",),
        kpi_parsing.parse_retire,
        lambda ctx, command, channel: kpis.retire(ctx, command.key, command.reason),
        (kpi_parsing.KpiRetire,),
    ),
    Subcommand(
        ("log",),
        "`/kpi log KPI VALUE [for PERIOD] [note]` records a value.",
        ("/kpi log pipeline 1.2M for 2026-W47 late deals",),
        parse_log,
        lambda ctx, command, channel: values.log_value(
            ctx, command.kpi, command.value, period_text=command.period, note=command.note
        ),
        (Log,),
    ),
    Subcommand(
        ("list",),
        "`/kpi list [team] [team:…] [owner:@person] [goal:…]` lists KPIs.",
        ("/kpi list team:sales",),
        kpi_parsing.parse_list,
        lambda ctx, command, channel: kpis.list_kpis(
            ctx, team=command.team, owner=command.owner, goal=command.goal
        ),
        (kpi_parsing.ListKpis,),
    ),
    Subcommand(
        ("mine",),
        "`/kpi mine` lists the KPIs you own.",
        ("/kpi mine",),
        kpi_parsing.parse_mine,
        lambda ctx, command, channel: kpis.mine(ctx),
        (kpi_parsing.Mine,),
    ),
    Subcommand(
        ("show",),
        "`/kpi show KPI [share]` shows a KPI; `share` posts it to the channel.",
        ("/kpi show pipeline share",),
        kpi_parsing.parse_show,
        lambda ctx, command, channel: kpis.show(ctx, command.key, share=command.share),
        (kpi_parsing.Show,),
    ),
    Subcommand(
        ("goal", "goals"),
        "`/kpi goal add|list|show …` manages goals.",
        (
            '/kpi goal add grow-arr "Grow ARR to $12M" deadline:2027-12-31 parent:company '
            "team:sales",
            "/kpi goals",
            "/kpi goal grow-arr",
        ),
        goal_parsing.parse_goal,
        _goal,
        (GoalAdd, GoalList, GoalShow),
        alias_parsers={"goals": goal_parsing.parse_goals},
    ),
    Subcommand(
        ("away",),
        "`/kpi away until DATE [delegate @person]` marks you away until a date.",
        ("/kpi away until 2026-12-24 delegate @bob",),
        people_parsing.parse_away,
        lambda ctx, command, channel: Notice(
            people.away(ctx, command.until, command.delegate), tone="ok"
        ),
        (Away,),
    ),
    Subcommand(
        ("back",),
        "`/kpi back` marks you back from being away.",
        ("/kpi back",),
        people_parsing.parse_back,
        lambda ctx, command, channel: Notice(people.back(ctx), tone="ok"),
        (Back,),
    ),
    Subcommand(
        ("v2mom",),
        "`/kpi v2mom [edit] [team]` shows or edits a V2MOM.",
        ("/kpi v2mom edit sales",),
        team_parsing.parse_v2mom,
        _v2mom,
        (V2momShow, V2momEdit),
    ),
    Subcommand(
        ("digest",),
        "`/kpi digest [preview] [team:KEY]` posts the team's weekly digest here now; `preview` "
        "shows it only to you. `/kpi digest schedule DAY HH:MM [team:KEY]` sets when it goes "
        "out each week (team time; `default` is Monday 09:00).",
        ("/kpi digest preview", "/kpi digest schedule fri 16:00"),
        team_parsing.parse_digest,
        _digest,
        (Digest, DigestSchedule),
    ),
    Subcommand(
        ("review", "reviews"),
        "`/kpi review [team]` shows the team's review rhythm and next meeting; "
        "`/kpi review start|close [team]` opens a review thread now, or closes it with a "
        "summary; `/kpi review schedule [team] RHYTHM [before:24h]` sets when the team meets "
        "(team time; `weekly tue 10:00`, `every other tue 10:00`, `first mon 10:00`, "
        "`last fri 16:00`, `off`).",
        ("/kpi review schedule sales every other tue 10:00",),
        team_parsing.parse_review,
        lambda ctx, command, channel: review_commands.review(
            ctx, command.action, command.team, channel, command.rhythm, command.lead_hours
        ),
        (Review,),
    ),
    Subcommand(
        ("actions",),
        "`/kpi actions [team]` lists open action items (the team's, or yours) with a Done "
        "button; `/kpi actions done N` marks one done.",
        ("/kpi actions sales",),
        team_parsing.parse_actions,
        lambda ctx, command, channel: review_commands.actions(
            ctx, command.team, channel, done=command.done, mine=command.mine
        ),
        (Actions,),
    ),
    Subcommand(
        ("health",),
        "`/kpi health [team]` checks the focus and alignment rules, and which KPIs are due "
        "for a relevance review, for a team or the whole company, with what to do about each.",
        ("/kpi health sales",),
        team_parsing.parse_health,
        lambda ctx, command, channel: alignment.health_view(ctx, command.team),
        (Health,),
    ),
    Subcommand(
        ("alerts", "alert"),
        "`/kpi alerts [team]` lists the team's KPIs with their alert levels and what is "
        "alerting now; `/kpi alerts set KPI below:N above:N` sets the levels a value alerts "
        "at (`below:off` clears one, `off` both); `/kpi alerts channel on|off [team]` chooses "
        "whether the team channel hears alerts too (leads and admins).",
        ("/kpi alerts sales", "/kpi alerts set pipeline below:1M", "/kpi alerts channel on sales"),
        alert_parsing.parse_alerts,
        alert_settings.alerts,
        (AlertsList, AlertsSet, AlertsChannel),
    ),
    Subcommand(
        ("scorecard",),
        "`/kpi scorecard [team] [weeks:13] [wide]` shows the team's KPIs period by period "
        "against their targets (13 weeks, 12 months or 8 quarters unless you say); `wide` "
        "gives one wide table instead of the phone-sized blocks.",
        ("/kpi scorecard sales", "/kpi scorecard sales weeks:8 wide"),
        alert_parsing.parse_scorecard,
        lambda ctx, command, channel: scorecard.scorecard(
            ctx, command.team, channel, periods=command.periods, wide=command.wide
        ),
        (ScorecardRequest,),
    ),
    Subcommand(
        ("tokens",),
        "`/kpi tokens [list | create NAME [team:KEY]... [kpi:KEY]... [read-only] | revoke NAME]` "
        "manages API tokens for /api/v1 (admins); a new token is shown once, only to you.",
        ("/kpi tokens create crm-sync team:sales", "/kpi tokens revoke crm-sync"),
        parse_tokens,
        lambda ctx, command, channel: api_tokens_slack.tokens(ctx, command),
        (TokensList, TokensCreate, TokensRevoke),
    ),
)

SUBCOMMANDS: tuple[str, ...] = tuple(entry.topic for entry in ENTRIES)
"""The top-level words after ``/kpi`` (aliases such as ``goals`` aside)."""
USAGE: dict[str, str] = {entry.topic: entry.help for entry in ENTRIES}
"""Each topic's usage line with its examples: `/kpi help TOPIC` and every usage error."""
_BY_WORD = {word: entry for entry in ENTRIES for word in entry.words}
_TOPICS = {word: entry.topic for word, entry in _BY_WORD.items()}
_BY_COMMAND = {kind: entry for entry in ENTRIES for kind in entry.commands}

INTRO = (
    "*kpibot* keeps your goals and the KPIs that measure them in Slack. "
    "Each KPI has one owner, a target and a reporting cadence."
)


_TOO_LONG_ADVICE = {
    "log": f"Shorten the note: a note may be up to {MAX_NOTE_CHARS:,} characters.",
    "retire": f"Shorten the reason: it may be up to {MAX_NOTE_CHARS:,} characters.",
    "add": "Shorten it, or use `/kpi add` with no fields to get a form.",
    "goal": "Shorten it, or use `/kpi goal add` with no fields to get a form.",
}


def _first_word(text: str) -> str:
    words = text.split(maxsplit=1)
    return words[0].lower() if words else ""


def help_text(topic: str | None = None) -> str:
    """`/kpi help`: every usage line; `/kpi help TOPIC`: that one."""
    if topic and topic in USAGE:
        return USAGE[topic]
    return "\n".join([INTRO, "", *(f"• {usage}" for usage in USAGE.values())])


def entry_for(command: Command) -> Subcommand:
    return _BY_COMMAND[type(command)]


def parse(text: str, *, today: date) -> Command:
    """Read the text after ``/kpi`` (as Slack sends it) into one command.

    `today` is the user's current date: dates without a year mean the next such date, and an
    ``away`` date may not be before it. Raises UsageError with a message for the user.
    """
    try:
        return _parse(text, today)
    except UsageError as error:
        raise error.with_usage(USAGE.get(error.topic, USAGE["help"])) from None


def _parse(text: str, today: date) -> Command:
    if len(text) > MAX_COMMAND_CHARS:
        raise UsageError(
            f"That command is too long ({len(text):,} characters; the limit is "
            f"{MAX_COMMAND_CHARS:,}). {_TOO_LONG_ADVICE.get(_first_word(text), '')}".rstrip(),
            "help",
        )
    scanner = Scanner(strip_controls(text))
    head = scanner.take()
    if head is None:
        return Help()
    word = head.text.lower()
    if word in HELP_WORDS:
        word = "help"
    entry = _BY_WORD.get(word)
    if entry is None:
        guess = closest(word, list(_BY_WORD))
        hint = f" Did you mean `/kpi {guess}`?" if guess else ""
        raise fail(
            f"I don't know `/kpi {shown(word)}`.{hint} Send `/kpi help` to see what I can do.",
            "help",
        )
    scanner.topic = entry.topic
    if entry.topic != "help":
        asked = try_scan(scanner.text, scanner.at)
        alone = asked is not None and try_scan(scanner.text, asked.end) is None
        if alone and asked is not None and asked.word in HELP_WORDS:
            return Help(entry.topic)
    return entry.alias_parsers.get(word, entry.parse)(scanner, today)
