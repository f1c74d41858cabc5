"""Table tests for reading the text after `/kpi` into commands."""

from __future__ import annotations

import re
from datetime import date

import pytest

from commands.parsing import (
    GOAL_FIELDS,
    KPI_FIELDS,
    Away,
    Back,
    Digest,
    GoalAdd,
    GoalList,
    GoalShow,
    KpiAdd,
    KpiEdit,
    KpiOwner,
    KpiRetire,
    ListKpis,
    Log,
    Mine,
    Show,
    UsageError,
    V2momEdit,
    V2momShow,
)
from commands.registry import SUBCOMMANDS, USAGE, Command, Help, parse
from core.kinds import Cadence, Direction, Indicator

TODAY = date(2026, 11, 26)
ALICE = "<@U0ALICE01|alice>"
BOB = "<@U0BOB0001>"

FULL_KPI_ADD = (
    'add pipeline "Qualified pipeline" team:sales goal:pipeline-h1 owner:<@U0ALICE01|alice> '
    "unit:USD target:4M baseline:1.5M cadence:weekly direction:up indicator:leading "
    'band:90-110 decision:"Hire 2 AEs if &lt; 80%" definition:"Open SQL value &amp; stage 2+"'
)
FULL_KPI_FIELDS = {
    "key": "pipeline",
    "name": "Qualified pipeline",
    "team": "sales",
    "goal": "pipeline-h1",
    "owner": "U0ALICE01",
    "unit": "USD",
    "target": "4M",
    "baseline": "1.5M",
    "cadence": "weekly",
    "direction": "up",
    "indicator": "leading",
    "band": "90-110",
    "decision": "Hire 2 AEs if < 80%",
    "definition": "Open SQL value & stage 2+",
}

GOOD: list[tuple[str, str, Command]] = [
    # help
    ("empty", "", Help()),
    ("blank", "  \n\t ", Help()),
    ("help", "help", Help()),
    ("help-upper", "HELP", Help()),
    ("help-topic", "help log", Help("log")),
    ("help-topic-case", "Help V2MOM", Help("v2mom")),
    ("help-goals-alias", "help goals", Help("goal")),
    ("question-mark", "?", Help()),
    ("subcommand-help", "log help", Help("log")),
    ("subcommand-dash-help", "goal --help", Help("goal")),
    # goals
    ("goal-list", "goal list", GoalList()),
    ("goals", "goals", GoalList()),
    ("goal-bare", "goal", GoalList()),
    ("goal-show", "goal show grow-arr", GoalShow("grow-arr")),
    ("goal-key", "goal Grow-ARR", GoalShow("grow-arr")),
    ("goal-quoted-name", 'goal show "Grow ARR"', GoalShow("grow arr")),
    ("goal-add-modal", "goal add", GoalAdd(None)),
    (
        "goal-add",
        'goal add grow-arr "Grow ARR to $12M" deadline:2027-12-31 parent:company team:sales',
        GoalAdd(
            {
                "key": "grow-arr",
                "title": "Grow ARR to $12M",
                "deadline": "2027-12-31",
                "parent": "company",
                "team": "sales",
            }
        ),
    ),
    (
        "goal-add-unquoted-title-description",
        "GOAL ADD Grow-ARR Grow ARR &amp; NRR Description:“Why it matters”",
        GoalAdd({"key": "grow-arr", "title": "Grow ARR & NRR", "description": "Why it matters"}),
    ),
    (
        "goal-add-fields-only",
        "goal add key=grow-arr title='Grow ARR' due=2027-12-31 team:<#C0SALES01|Sales>",
        GoalAdd(
            {"key": "grow-arr", "title": "Grow ARR", "deadline": "2027-12-31", "team": "sales"}
        ),
    ),
    # add
    ("add-modal", "add", KpiAdd(None)),
    ("add-full", FULL_KPI_ADD, KpiAdd(FULL_KPI_FIELDS)),
    (
        "add-force-word",
        f"add pipeline team:sales owner:{BOB} force",
        KpiAdd({"key": "pipeline", "team": "sales", "owner": "U0BOB0001"}, force=True),
    ),
    (
        "add-force-flag-anywhere",
        "add --force Pipeline Qualified pipeline",
        KpiAdd({"key": "pipeline", "name": "Qualified pipeline"}, force=True),
    ),
    (
        "add-curly-quotes-equals-spaced",
        "add pipeline name=“Qualified  pipeline” team: sales Cadence:Weekly DIRECTION=higher",
        KpiAdd(
            {
                "key": "pipeline",
                "name": "Qualified pipeline",
                "team": "sales",
                "cadence": "weekly",
                "direction": "up",
            }
        ),
    ),
    (
        "add-quoted-name-only",
        "add 'Bob’s pipeline' unit:%",
        KpiAdd({"name": "Bob’s pipeline", "unit": "%"}),
    ),
    (
        "add-single-quotes-apostrophe",
        "add nps name:'Bob's NPS' team:cx",
        KpiAdd({"key": "nps", "name": "Bob's NPS", "team": "cx"}),
    ),
    ("add-force-only", "add force", KpiAdd(None, force=True)),
    # edit / owner / retire
    ("edit", "edit pipeline", KpiEdit("pipeline")),
    ("edit-name", 'edit "Qualified Pipeline"', KpiEdit("qualified pipeline")),
    ("owner-labelled", f"owner pipeline {ALICE}", KpiOwner("pipeline", "U0ALICE01")),
    ("owner-bare-id", f"Owner PIPELINE {BOB}", KpiOwner("pipeline", "U0BOB0001")),
    ("owner-name", f"owner qualified pipeline {BOB}", KpiOwner("qualified pipeline", "U0BOB0001")),
    ("retire", "retire pipeline", KpiRetire("pipeline", None)),
    (
        "retire-reason",
        "retire pipeline replaced by SQLs &amp; MQLs, see <https://wiki.example.com/sql|the wiki>",
        KpiRetire(
            "pipeline", "replaced by SQLs & MQLs, see the wiki (https://wiki.example.com/sql)"
        ),
    ),
    (
        "retire-quoted-reason",
        'retire pipeline "no longer used"',
        KpiRetire("pipeline", "no longer used"),
    ),
    # log
    ("log", "log pipeline 1.2M", Log("pipeline", "1.2M", None, None)),
    ("log-note", "log pipeline 1.2M great week", Log("pipeline", "1.2M", None, "great week")),
    # No number after the KPI: the handler tells the name from the mistyped value (issue 13).
    ("log-word-for-value", "log pipeline abc", Log("pipeline abc", None)),
    ("log-nan-for-value", "log pipeline NaN", Log("pipeline NaN", None)),
    (
        "log-missing-value-words",
        "log qualified pipeline great",
        Log("qualified pipeline great", None),
    ),
    (
        "log-quoted-name-word-value",
        'log "qualified pipeline" great 5',
        Log("qualified pipeline", "great", None, "5"),
    ),
    (
        "log-period-note",
        "log pipeline 1.2M for 2026-W47 late deals",
        Log("pipeline", "1.2M", "2026-W47", "late deals"),
    ),
    (
        "log-quoted-name-period",
        'log "qualified pipeline" $1,200 for 2026-11',
        Log("qualified pipeline", "$1,200", "2026-11", None),
    ),
    (
        "log-curly-quoted-name",
        "log “Qualified Pipeline” 12k",
        Log("qualified pipeline", "12k", None, None),
    ),
    (
        "log-name-words",
        "log qualified pipeline 1.2M",
        Log("qualified pipeline", "1.2M", None, None),
    ),
    ("log-key-uppercased", "LOG Pipeline 7", Log("pipeline", "7", None, None)),
    ("log-negative", "log churn -7 two losses", Log("churn", "-7", None, "two losses")),
    ("log-euro", "log revenue €3.4k", Log("revenue", "€3.4k", None, None)),
    ("log-parens", "log margin (1,200)", Log("margin", "(1,200)", None, None)),
    ("log-leading-dot", "log ratio .5", Log("ratio", ".5", None, None)),
    ("log-percent", "log win rate 15% up from 12%", Log("win rate", "15%", None, "up from 12%")),
    ("log-currency-code", "log revenue USD 1200", Log("revenue", "USD 1200", None, None)),
    ("log-currency-code-after", "log revenue 1200 eur", Log("revenue", "1200 eur", None, None)),
    ("log-spaced-thousands", "log revenue 1 200 000", Log("revenue", "1 200 000", None, None)),
    ("log-first-word-numeric", "log 2026 hires 12", Log("2026 hires", "12", None, None)),
    ("log-colon", "log nps: 42", Log("nps", "42", None, None)),
    (
        "log-note-with-numbers-and-for",
        "log pipeline 1.2M 3 deals for enterprise, 2 for SMB",
        Log("pipeline", "1.2M", None, "3 deals for enterprise, 2 for SMB"),
    ),
    (
        "log-for-not-a-period",
        "log pipeline 1.2M for the whole team",
        Log("pipeline", "1.2M", None, "for the whole team"),
    ),
    (
        "log-for-relative-period",
        "log pipeline 1.2M for last week thanks <@U0BOB0001>",
        Log("pipeline", "1.2M", "last week", "thanks @U0BOB0001"),
    ),
    ("log-for-quarter", "log pipeline 1.2M FOR 2026-Q4", Log("pipeline", "1.2M", "2026-Q4", None)),
    (
        "log-escaped-note",
        "log pipeline 1.2M R&amp;D &lt;3 &amp;amp; <@U0ALICE01|alice> in <#C0SALES01|sales>",
        Log("pipeline", "1.2M", None, "R&D <3 &amp; @alice in #sales"),
    ),
    (
        "log-note-keeps-apostrophes-and-unbalanced-quotes",
        "log pipeline 1.2M ’twas a “good week",
        Log("pipeline", "1.2M", None, "’twas a “good week"),
    ),
    (
        "log-note-keeps-newlines",
        "log pipeline 1.2M line one\nline   two\x07 ",
        Log("pipeline", "1.2M", None, "line one\nline   two"),
    ),
    (
        "log-for-then-unbalanced-quote",
        "log pipeline 5 for 'twas fine",
        Log("pipeline", "5", None, "for 'twas fine"),
    ),
    ("log-quoted-note", 'log pipeline 5 "big week"', Log("pipeline", "5", None, "big week")),
    (
        "log-link-url-label",
        "log pipeline 5 see <https://example.com|example.com>",
        Log("pipeline", "5", None, "see example.com"),
    ),
    ("log-whitespace", "  log \t pipeline\u00a0 5  ", Log("pipeline", "5", None, None)),
    # list
    ("list", "list", ListKpis()),
    ("list-team-field", "list team:sales", ListKpis(team="sales")),
    ("list-owner-field", f"list owner:{ALICE}", ListKpis(owner="U0ALICE01")),
    ("list-goal-field", "list goal:Pipeline-H1", ListKpis(goal="pipeline-h1")),
    ("list-bare-team", "list Sales", ListKpis(team="sales")),
    ("list-channel-team", "list <#C0SALES01|sales>", ListKpis(team="sales")),
    ("list-bare-mention", f"list {BOB} team=cx", ListKpis(team="cx", owner="U0BOB0001")),
    # mine / show / back / digest
    ("mine", "mine", Mine()),
    ("show", "show pipeline", Show("pipeline")),
    ("show-share", "show pipeline share", Show("pipeline", share=True)),
    ("show-public", "show Pipeline PUBLIC", Show("pipeline", share=True)),
    ("show-quoted-name", "show 'Qualified pipeline' share", Show("qualified pipeline", share=True)),
    ("show-unescaped-once", "show R&amp;amp;D", Show("r&amp;d")),
    ("show-unquoted-name", "show qualified pipeline", Show("qualified pipeline")),
    ("back", "back", Back()),
    ("digest", "digest", Digest(False)),
    ("digest-preview", "digest preview", Digest(True)),
    # away
    ("away-iso", "away until 2026-12-24", Away(date(2026, 12, 24), None)),
    ("away-today", "away until 2026-11-26", Away(date(2026, 11, 26), None)),
    ("away-no-until", "away 2026/12/24", Away(date(2026, 12, 24), None)),
    ("away-day-month-year", "away until 24 Dec 2026", Away(date(2026, 12, 24), None)),
    ("away-month-day-year", "away until December 24th, 2026", Away(date(2026, 12, 24), None)),
    ("away-no-year", "away until dec 24", Away(date(2026, 12, 24), None)),
    ("away-no-year-next-year", "away until 3 Jan", Away(date(2027, 1, 3), None)),
    ("away-leap-day", "away until Feb 29", Away(date(2028, 2, 29), None)),
    (
        "away-delegate",
        f"away until 2026-12-24 delegate {BOB}",
        Away(date(2026, 12, 24), "U0BOB0001"),
    ),
    (
        "away-delegate-field",
        f"away until Dec 24 delegate:{ALICE}",
        Away(date(2026, 12, 24), "U0ALICE01"),
    ),
    ("away-bare-mention", f"Away Until 24 dec {BOB}", Away(date(2026, 12, 24), "U0BOB0001")),
    # v2mom
    ("v2mom", "v2mom", V2momShow(None)),
    ("v2mom-team", "v2mom Sales", V2momShow("sales")),
    ("v2mom-channel", "v2mom <#C0SALES01>", V2momShow("c0sales01")),
    ("v2mom-edit", "v2mom edit", V2momEdit(None)),
    ("v2mom-edit-team", "V2MOM EDIT sales", V2momEdit("sales")),
]


@pytest.mark.parametrize(
    ("text", "expected"), [good[1:] for good in GOOD], ids=[good[0] for good in GOOD]
)
def test_parses(text: str, expected: Command) -> None:
    assert parse(text, today=TODAY) == expected


BAD: list[tuple[str, str, str, str]] = [
    # id, text, fragment of the message, help topic
    ("unknown-subcommand", "lgo pipeline 5", "Did you mean `/kpi log`?", "help"),
    ("unknown-subcommand-help", "frobnicate", "`/kpi help`", "help"),
    ("unknown-subcommand-typo", "shwo pipeline", "Did you mean `/kpi show`?", "help"),
    ("unknown-help-topic", "help lgo", "Did you mean `/kpi help log`?", "help"),
    (
        "log-missing-value",
        "log pipeline",
        "log needs a value: /kpi log pipeline 1.2M [note]",
        "log",
    ),
    ("log-nothing", "log", "needs a KPI and a value", "log"),
    ("log-empty-quoted-kpi", 'log "" 5', "needs a KPI key or name", "log"),
    ("show-empty-quotes", "show “”", "needs a KPI key or name", "show"),
    ("log-value-only", "log 1.2M", "needs the KPI before the value", "log"),
    ("log-for-without-period", "log pipeline 5 for", "`for` needs a period", "log"),
    ("log-note-too-long", "log pipeline 5 " + "x" * 2001, "the limit is 2,000", "log"),
    ("retire-reason-too-long", "retire pipeline " + "x" * 2001, "the limit is 2,000", "retire"),
    ("owner-plain-name", "owner pipeline bob", "@-mention", "owner"),
    ("owner-unescaped-at", "owner pipeline @bob", "pick the person", "owner"),
    ("owner-no-kpi", f"owner {BOB}", "needs the KPI", "owner"),
    ("owner-nothing", "owner", "@-mention", "owner"),
    ("add-owner-not-mention", "add pipeline owner:alice", "@-mention", "add"),
    ("unbalanced-double", 'show "qualified pipeline', "never closed", "show"),
    ("unbalanced-curly", "add pipeline name:“Qualified pipeline", "never closed", "add"),
    ("unbalanced-single", "log 'qualified pipeline 5", "never closed", "log"),
    ("too-long", "log pipeline 5 " + "x" * 4000, "That command is too long", "help"),
    (
        "too-long-log-names-the-note-limit",
        "log pipeline 5 " + "x" * 4000,
        "a note may be up to 2,000",
        "help",
    ),
    (
        "too-long-add-offers-the-form",
        "add pipeline " + "x" * 4000,
        "`/kpi add` with no fields",
        "help",
    ),
    ("unknown-field", "add pipeline tema:sales", "Did you mean `team:`?", "add"),
    (
        "unknown-goal-field",
        "goal add grow-arr dedline:2027-12-31",
        "Did you mean `deadline:`?",
        "goal",
    ),
    ("unknown-list-field", "list onwer:<@U0BOB0001>", "Did you mean `owner:`?", "list"),
    ("field-twice", "add pipeline team:sales team:cx", "given twice", "add"),
    ("name-twice", 'add pipeline Pipeline name:"Pipeline"', "given twice", "add"),
    ("field-without-value", "add pipeline team:", "needs a value", "add"),
    ("bad-cadence", "add pipeline cadence:hourly", "is not one of: daily, weekly", "add"),
    ("bad-direction", "add pipeline direction:sideways", "is not one of", "add"),
    ("bad-indicator", "add pipeline indicator:middle", "is not one of", "add"),
    ("away-past", "away until 2026-11-25", "in the past", "away"),
    ("away-past-named", "away until 1 Nov 2026", "in the past", "away"),
    ("away-bad-date", "away until someday", "can't read `someday` as a date", "away"),
    ("away-not-a-date", "away until 2026-02-30", "not a real date", "away"),
    ("away-ambiguous-date", "away until 12/11/2026", "ambiguous", "away"),
    ("away-no-date", "away", "needs the date", "away"),
    ("away-delegate-plain", "away until 2026-12-24 delegate bob", "@-mention", "away"),
    ("away-delegate-missing", "away until 2026-12-24 delegate", "needs an @-mention", "away"),
    ("edit-nothing", "edit", "needs a KPI", "edit"),
    ("show-nothing", "show", "needs a KPI", "show"),
    ("retire-nothing", "retire", "needs a KPI", "retire"),
    ("mine-extra", "mine please", "takes nothing more", "mine"),
    ("back-extra", "back now", "takes nothing more", "back"),
    ("digest-extra", "digest now", "takes nothing more", "digest"),
    ("goal-show-nothing", "goal show", "needs a goal key or name", "goal"),
    ("goal-list-extra", "goal list sales", "takes nothing more", "goal"),
    ("goal-subcommand-typo", "goal ad grow-arr", "Did you mean `/kpi goal add`?", "goal"),
    ("list-two-teams", "list sales team:cx", "takes one team", "list"),
    ("v2mom-two-teams", "v2mom sales cx", "at most one team", "v2mom"),
]


@pytest.mark.parametrize(
    ("text", "fragment", "topic"), [b[1:] for b in BAD], ids=[b[0] for b in BAD]
)
def test_refuses(text: str, fragment: str, topic: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse(text, today=TODAY)
    assert fragment in caught.value.message
    assert str(caught.value) == caught.value.message
    assert caught.value.topic == topic
    assert USAGE[topic] in caught.value.message or topic == "help"


def test_enum_fields_are_validated_enums() -> None:
    command = parse(FULL_KPI_ADD, today=TODAY)
    assert isinstance(command, KpiAdd)
    assert command.fields is not None
    assert command.fields["cadence"] is Cadence.WEEKLY
    assert command.fields["direction"] is Direction.UP
    assert command.fields["indicator"] is Indicator.LEADING
    assert set(command.fields) == set(KPI_FIELDS)


def test_control_characters_are_stripped() -> None:
    assert parse("lo\x00g pipe\x1bline 5", today=TODAY) == Log("pipeline", "5")


def test_at_the_limits() -> None:
    note = "n" * 2000
    assert parse(f"log pipeline 5 {note}", today=TODAY) == Log("pipeline", "5", None, note)
    assert parse("show " + "p" * 3995, today=TODAY) == Show("p" * 3995)


def test_usage_covers_every_subcommand_with_an_example() -> None:
    assert set(USAGE) == set(SUBCOMMANDS)
    for topic, line in USAGE.items():
        assert "\n" not in line
        assert f"/kpi {topic}" in line or topic == "goal"
        assert re.search(r"Examples?: `/kpi ", line), topic


@pytest.mark.parametrize("word", SUBCOMMANDS)
def test_every_subcommand_parses_or_explains_itself(word: str) -> None:
    try:
        parse(word, today=TODAY)
    except UsageError as error:
        topic = error.topic
    else:
        topic = word
    assert topic == word
    assert parse(f"help {word}", today=TODAY) == Help(word)
    assert parse(f"{word} help", today=TODAY) == Help(word)


def test_goal_fields_are_the_documented_ones() -> None:
    assert GOAL_FIELDS == ("key", "title", "deadline", "parent", "team", "description")


def test_messages_are_plain_text_for_the_caller_to_escape() -> None:
    with pytest.raises(UsageError) as caught:
        parse("&lt;!channel&gt;", today=TODAY)
    assert "`/kpi <!channel>`" in caught.value.message
