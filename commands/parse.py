"""Reading the text after ``/kpi`` into one typed command.

:func:`parse` takes the text exactly as Slack sends it with escaping on and returns one of the
frozen dataclasses below, or raises :class:`UsageError` with a message fit to show the person
who typed the command: what was wrong, then the right form with an example.

What Slack sends, and what this module makes of it:

* user mentions ``<@U0ALICE01|alice>`` or ``<@U0ALICE01>`` become the user ID ``U0ALICE01``
  wherever a person is expected (owner, delegate, ``list owner:``);
* channel mentions ``<#C0SALES01|sales>`` name a team (``sales``) wherever a team is expected;
* in free text (notes, reasons, names, definitions) mentions read ``@alice``/``#sales``, links
  read as their label (``label (https://…)`` when the label is not the address), and
  ``&amp;``, ``&lt;``, ``&gt;`` become ``&``, ``<``, ``>``.

Tokens are separated by whitespace. A token may be quoted with ``"…"``, ``'…'`` or the curly
quotes Slack clients type (``“…”``, ``‘…’``); a quote only opens a token at its start (or right
after ``field:``), so apostrophes inside words (``it's``) are just apostrophes. Fields are
``name:value`` or ``name=value`` (``name: value`` works too) with the value optionally quoted.
Subcommands, field names and keywords are case-insensitive; KPI, goal and team references are
lowercased with their whitespace collapsed (handlers match keys and names case-insensitively).
Notes and retirement reasons keep the user's own text (unescaped and trimmed); they are read
from the raw text, so quotes in them need not balance.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Literal, TypeAlias

from core.digest_time import parse_digest_time
from core.kinds import DIRECTION_ALIASES, Cadence, Direction, Indicator, parse_enum

MAX_COMMAND_CHARS = 4000
MAX_NOTE_CHARS = 2000

# --- commands --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Help:
    topic: str | None = None  # a key of USAGE, or None for the overview


@dataclass(frozen=True)
class GoalAdd:
    fields: dict[str, str] | None  # None: open the modal


@dataclass(frozen=True)
class GoalList:
    pass


@dataclass(frozen=True)
class GoalShow:
    key: str


@dataclass(frozen=True)
class KpiAdd:
    fields: dict[str, str] | None  # None: open the modal
    force: bool = False


@dataclass(frozen=True)
class KpiEdit:
    key: str


@dataclass(frozen=True)
class KpiOwner:
    key: str
    user_id: str


@dataclass(frozen=True)
class KpiRetire:
    key: str
    reason: str | None = None


@dataclass(frozen=True)
class Log:
    kpi: str  # a key or a name, lowercased
    value: str  # the value as typed (parse it with core.values.parse_value)
    period: str | None = None  # as typed after "for": "2026-W47", "2026-11", "last week", ...
    note: str | None = None


@dataclass(frozen=True)
class ListKpis:
    team: str | None = None
    owner: str | None = None  # a Slack user ID
    goal: str | None = None


@dataclass(frozen=True)
class Mine:
    pass


@dataclass(frozen=True)
class Show:
    key: str
    share: bool = False


@dataclass(frozen=True)
class Away:
    until: date
    delegate: str | None = None  # a Slack user ID


@dataclass(frozen=True)
class Back:
    pass


@dataclass(frozen=True)
class V2momShow:
    team: str | None = None


@dataclass(frozen=True)
class V2momEdit:
    team: str | None = None


@dataclass(frozen=True)
class Digest:
    preview: bool = False
    team: str | None = None  # a team key; None: the channel's team, or the one the caller leads


@dataclass(frozen=True)
class DigestSchedule:
    team: str | None = None
    when: str | None = None  # "fri 16:00" (checked), "default", or None to show the schedule


ReviewAction: TypeAlias = Literal["status", "start", "close", "schedule"]


@dataclass(frozen=True)
class Review:
    action: ReviewAction = "status"
    team: str | None = None  # a team key; None: the channel's team, or the one the caller leads
    rhythm: str | None = None  # schedule: as typed (checked by core.review_cadence), or "off"
    lead_hours: int | None = None  # schedule: `before:24h`


@dataclass(frozen=True)
class Actions:
    team: str | None = None
    done: int | None = None  # `actions done N`: the action item to mark done
    mine: bool = False  # `actions mine`: yours, even in a team's channel


@dataclass(frozen=True)
class Health:
    team: str | None = None  # None: the whole company


Command: TypeAlias = (
    Help
    | GoalAdd
    | GoalList
    | GoalShow
    | KpiAdd
    | KpiEdit
    | KpiOwner
    | KpiRetire
    | Log
    | ListKpis
    | Mine
    | Show
    | Away
    | Back
    | V2momShow
    | V2momEdit
    | Digest
    | DigestSchedule
    | Review
    | Actions
    | Health
)

SUBCOMMANDS: tuple[str, ...] = (
    "help",
    "add",
    "edit",
    "owner",
    "retire",
    "log",
    "list",
    "mine",
    "show",
    "goal",
    "away",
    "back",
    "v2mom",
    "digest",
    "review",
    "actions",
    "health",
)
"""The top-level words after ``/kpi``. ``goals`` (for ``goal list``) is accepted as an alias."""

USAGE: dict[str, str] = {
    "help": "`/kpi help [topic]` shows what I can do, or more about one command. "
    "Example: `/kpi help log`",
    "add": '`/kpi add [key "Name" field:value …] [force]` adds a KPI; with nothing after '
    "`add` a form opens. Fields: team, goal, owner, unit, target, baseline, band, cadence, "
    "direction, indicator, decision, definition. Example: `/kpi add pipeline "
    '"Qualified pipeline" team:sales goal:pipeline-h1 owner:@alice unit:USD target:4M '
    "cadence:weekly direction:up`",
    "edit": "`/kpi edit KPI` opens a form to edit a KPI. Example: `/kpi edit pipeline`",
    "owner": "`/kpi owner KPI @person` hands a KPI to a new owner. "
    "Example: `/kpi owner pipeline @bob`",
    "retire": "`/kpi retire KPI [reason]` retires a KPI; its history stays. "
    "Example: `/kpi retire pipeline replaced by SQLs`",
    "log": "`/kpi log KPI VALUE [for PERIOD] [note]` records a value. "
    "Example: `/kpi log pipeline 1.2M for 2026-W47 late deals`",
    "list": "`/kpi list [team] [team:…] [owner:@person] [goal:…]` lists KPIs. "
    "Example: `/kpi list team:sales`",
    "mine": "`/kpi mine` lists the KPIs you own. Example: `/kpi mine`",
    "show": "`/kpi show KPI [share]` shows a KPI; `share` posts it to the channel. "
    "Example: `/kpi show pipeline share`",
    "goal": "`/kpi goal add|list|show …` manages goals. Examples: `/kpi goal add grow-arr "
    '"Grow ARR to $12M" deadline:2027-12-31 parent:company team:sales`, `/kpi goals`, '
    "`/kpi goal grow-arr`",
    "away": "`/kpi away until DATE [delegate @person]` marks you away until a date. "
    "Example: `/kpi away until 2026-12-24 delegate @bob`",
    "back": "`/kpi back` marks you back from being away. Example: `/kpi back`",
    "v2mom": "`/kpi v2mom [edit] [team]` shows or edits a V2MOM. Example: `/kpi v2mom edit sales`",
    "digest": "`/kpi digest [preview] [team:KEY]` posts the team's weekly digest here now; "
    "`preview` shows it only to you. `/kpi digest schedule DAY HH:MM [team:KEY]` sets when it "
    "goes out each week (team time; `default` is Monday 09:00). "
    "Examples: `/kpi digest preview`, `/kpi digest schedule fri 16:00`",
    "review": "`/kpi review [team]` shows the team's review rhythm and next meeting; "
    "`/kpi review start|close [team]` opens a review thread now, or closes it with a summary; "
    "`/kpi review schedule [team] RHYTHM [before:24h]` sets when the team meets (team time; "
    "`weekly tue 10:00`, `every other tue 10:00`, `first mon 10:00`, `last fri 16:00`, `off`). "
    "Example: `/kpi review schedule sales every other tue 10:00`",
    "actions": "`/kpi actions [team]` lists open action items (the team's, or yours) with a Done "
    "button; `/kpi actions done N` marks one done. Example: `/kpi actions sales`",
    "health": "`/kpi health [team]` checks the focus and alignment rules, and which KPIs are due "
    "for a relevance review, for a team or the whole company, with what to do about each. "
    "Example: `/kpi health sales`",
}


class UsageError(ValueError):
    """The command could not be read; ``message`` is fit to show the person who typed it.

    The message is plain text (what the user typed is quoted back unescaped): escape ``&``,
    ``<`` and ``>`` before posting it to Slack.
    """

    def __init__(self, message: str, topic: str = "help") -> None:
        super().__init__(message)
        self.message = message
        self.topic = topic  # a key of USAGE


def _fail(problem: str, topic: str) -> UsageError:
    return UsageError(f"{problem}\nUsage: {USAGE[topic]}", topic)


# --- Slack text ------------------------------------------------------------------------------

_MARKUP = re.compile(r"<[^<>\s][^<>]*>")
_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>")
_CHANNEL = re.compile(r"<#([CG][A-Z0-9]+)(?:\|([^<>]*))?>")


def _markup_as_text(match: re.Match[str]) -> str:
    target, _, label = match.group()[1:-1].partition("|")
    if target.startswith("@"):
        return "@" + (label.lstrip("@") or target[1:])
    if target.startswith("#"):
        return "#" + (label.lstrip("#") or target[1:])
    if target.startswith("!"):  # <!here>, <!subteam^S1|@team>, <!date^…|fallback>
        return label or "@" + target[1:].split("^")[0]
    if not label:
        return target.removeprefix("mailto:")
    bare = target.removeprefix("mailto:").split("//", 1)[-1].rstrip("/")
    return label if label in (target, bare) else f"{label} ({target})"


def _plain(text: str) -> str:
    """Slack's escaped text as a person would read it."""
    text = _MARKUP.sub(_markup_as_text, text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _shown(text: str, limit: int = 40) -> str:
    """Plain user text quoted back in a message, shortened."""
    text = _collapse(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _strip_controls(text: str) -> str:
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")


# --- tokens ----------------------------------------------------------------------------------

_DOUBLE_QUOTES = '"“”„‟'
_SINGLE_QUOTES = "'‘’‚‛"
_FIELD_PREFIX = re.compile(r"([A-Za-z][A-Za-z0-9_-]*)[:=]")


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    source: str  # quotes removed (and whitespace collapsed) if quoted; Slack markup intact
    quoted: bool = False
    key: str | None = None  # lowercased field name of a `name:value` token
    value: str = ""  # a field's value, quotes removed
    value_quoted: bool = False

    @property
    def text(self) -> str:
        return _collapse(_plain(self.source))

    @property
    def word(self) -> str:
        """The token lowercased, for comparing with keywords; "" when it was quoted."""
        return "" if self.quoted else self.source.lower()


def _closing_quote(text: str, at: int) -> int | None:
    family = _DOUBLE_QUOTES if text[at] in _DOUBLE_QUOTES else _SINGLE_QUOTES
    i = at + 1
    while i < len(text):
        markup = _MARKUP.match(text, i)
        if markup:
            i = markup.end()
            continue
        # An apostrophe inside a word does not close a single-quoted string.
        if text[i] in family and (
            family == _DOUBLE_QUOTES or i + 1 == len(text) or text[i + 1].isspace()
        ):
            return i
        i += 1
    return None


def _word_end(text: str, at: int) -> int:
    i = at
    while i < len(text) and not text[i].isspace():
        markup = _MARKUP.match(text, i)
        i = markup.end() if markup else i + 1
    return i


def _scan(text: str, at: int, topic: str) -> _Token | None:
    """The token starting at or after `at`, or None at the end of the text."""
    while at < len(text) and text[at].isspace():
        at += 1
    if at == len(text):
        return None
    start = at
    key = None
    prefix = _FIELD_PREFIX.match(text, at)
    if prefix:
        key = prefix.group(1).lower()
        at = prefix.end()
        if at == len(text) or text[at].isspace():
            return _Token(start, at, text[start:at], key=key)
    if text[at] in _DOUBLE_QUOTES or text[at] in _SINGLE_QUOTES:
        close = _closing_quote(text, at)
        if close is None:
            raise _fail(
                f"A quote in `{_shown(_plain(text[at:]))}` is never closed. Put names in matching "
                'quotes, like "Qualified pipeline".',
                topic,
            )
        inside = _collapse(text[at + 1 : close])
        if key is not None:
            raw = text[start : close + 1]
            return _Token(start, close + 1, raw, key=key, value=inside, value_quoted=True)
        return _Token(start, close + 1, inside, quoted=True)
    end = _word_end(text, at)
    if key is not None:
        return _Token(start, end, text[start:end], key=key, value=text[at:end])
    return _Token(start, end, text[start:end])


def _try_scan(text: str, at: int) -> _Token | None:
    """Like _scan, but None where the text has an unbalanced quote (it may be a note's)."""
    try:
        return _scan(text, at, "help")
    except UsageError:
        return None


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0
        self.topic = "help"

    def peek(self) -> _Token | None:
        return _scan(self.text, self.at, self.topic)

    def take(self) -> _Token | None:
        token = self.peek()
        if token is not None:
            self.at = token.end
        return token

    def rest(self) -> list[_Token]:
        tokens = []
        while (token := self.take()) is not None:
            tokens.append(token)
        return tokens

    def raw_rest(self) -> str:
        return self.text[self.at :]


# --- values of tokens ------------------------------------------------------------------------


def _ref(text: str) -> str:
    """A KPI, goal or team reference from plain text: lowercased, whitespace collapsed."""
    return _collapse(text).lower()


def _user_id(token: _Token) -> str | None:
    match = _USER.fullmatch(token.source.strip())
    return match.group(1) if match else None


def _team(source: str) -> str:
    channel = _CHANNEL.fullmatch(source.strip())
    if channel:
        return (channel.group(2) or channel.group(1)).lower()
    return _ref(_plain(source)).lstrip("#")


def _mention_needed(what: str, got: str, example: str, topic: str) -> UsageError:
    return _fail(
        f"{what} has to be an @-mention: type @ and pick the person from Slack's list "
        f"(`{_shown(_plain(got))}` can't be matched to a person). Example: `{example}`",
        topic,
    )


def _free_text(raw: str, what: str, topic: str) -> str | None:
    """A note or reason: the user's own text, unescaped and trimmed; None when empty."""
    text = raw.strip()
    whole = _try_scan(text, 0)
    if whole is not None and whole.quoted and whole.end == len(text):
        text = text[1:-1].strip()
    text = _plain(text).strip()
    if len(text) > MAX_NOTE_CHARS:
        raise _fail(
            f"That {what} is {len(text):,} characters long; the limit is {MAX_NOTE_CHARS:,}.",
            topic,
        )
    return text or None


def _no_more(tokens: list[_Token], form: str, topic: str) -> None:
    if tokens:
        extra = " ".join(token.text for token in tokens)
        raise _fail(f"`{form}` takes nothing more, but got `{_shown(extra)}`.", topic)


def _closest(word: str, choices: list[str] | tuple[str, ...]) -> str | None:
    matches = difflib.get_close_matches(word.lower(), choices, n=1)
    return matches[0] if matches else None


# --- fields ----------------------------------------------------------------------------------

KPI_FIELDS: tuple[str, ...] = (
    "key",
    "name",
    "team",
    "goal",
    "owner",
    "unit",
    "target",
    "baseline",
    "band",
    "cadence",
    "direction",
    "indicator",
    "decision",
    "definition",
)
GOAL_FIELDS: tuple[str, ...] = ("key", "title", "deadline", "parent", "team", "description")
_KPI_FIELD_ALIASES = {"title": "name", "def": "definition", "dir": "direction"}
_GOAL_FIELD_ALIASES = {"name": "title", "desc": "description", "due": "deadline"}
_LIST_FIELDS: tuple[str, ...] = ("team", "owner", "goal")
_FIELD_EXAMPLES = {
    "key": "key:pipeline",
    "name": 'name:"Qualified pipeline"',
    "title": 'title:"Grow ARR to $12M"',
    "team": "team:sales",
    "goal": "goal:pipeline-h1",
    "parent": "parent:company",
    "owner": "owner:@alice",
    "unit": "unit:USD",
    "target": "target:4M",
    "baseline": "baseline:1.5M",
    "band": "band:90-110",
    "cadence": "cadence:weekly",
    "direction": "direction:up",
    "indicator": "indicator:leading",
    "decision": 'decision:"Hire two AEs if below 80%"',
    "definition": 'definition:"Sum of open qualified opportunities"',
    "deadline": "deadline:2027-12-31",
    "description": 'description:"Why this goal matters"',
}
_FORCE_FLAGS = ("--force",)


def _field_value(name: str, source: str, topic: str) -> str:
    if name == "owner":
        user = _USER.fullmatch(source.strip())
        if user is None:
            raise _mention_needed("The owner", source, "owner:@alice", topic)
        return user.group(1)
    if name in ("key", "goal", "parent"):
        return _ref(_plain(source))
    if name == "team":
        return _team(source)
    text = _collapse(_plain(source))
    try:
        if name == "cadence":
            return parse_enum(Cadence, text)
        if name == "direction":
            return parse_enum(Direction, text, DIRECTION_ALIASES)
        if name == "indicator":
            return parse_enum(Indicator, text)
    except ValueError as error:
        raise _fail(f"{name}: {error}. Example: `{_FIELD_EXAMPLES[name]}`", topic) from error
    return text


def _read_fields(
    tokens: list[_Token],
    allowed: tuple[str, ...],
    aliases: dict[str, str],
    command: str,
    topic: str,
) -> tuple[dict[str, str], list[_Token]]:
    """The `name:value` fields among `tokens`, and the other tokens in order."""
    fields: dict[str, str] = {}
    others: list[_Token] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        i += 1
        if token.key is None:
            others.append(token)
            continue
        name = aliases.get(token.key, token.key)
        if name not in allowed:
            guess = _closest(token.key, list(allowed) + list(aliases))
            hint = f" Did you mean `{aliases.get(guess, guess)}:`?" if guess else ""
            raise _fail(
                f"`{command}` has no field `{_shown(token.key)}`.{hint} "
                f"Fields: {', '.join(allowed)}.",
                topic,
            )
        source, quoted = token.value, token.value_quoted
        if not source and not quoted and i < len(tokens) and tokens[i].key is None:
            source, quoted = tokens[i].source, tokens[i].quoted  # `team: sales`
            i += 1
        if not source.strip():
            example = _FIELD_EXAMPLES.get(name, f"{name}:…")
            raise _fail(f"`{name}` needs a value, like `{example}`.", topic)
        if name in fields:
            raise _fail(f"`{name}` is given twice; give it once.", topic)
        fields[name] = _field_value(name, source, topic)
    return fields, others


def _add_fields(
    tokens: list[_Token],
    allowed: tuple[str, ...],
    aliases: dict[str, str],
    name_field: str,
    command: str,
    topic: str,
) -> dict[str, str]:
    """Fields of `add`/`goal add`: the first unquoted word is the key, the other words the name."""
    fields, words = _read_fields(tokens, allowed, aliases, command, topic)
    if words and "key" not in fields and not words[0].quoted:
        fields["key"] = _ref(words[0].text)
        words = words[1:]
    if words:
        if name_field in fields:
            raise _fail(f"`{name_field}` is given twice; give it once.", topic)
        fields[name_field] = " ".join(word.text for word in words)
    return fields


# --- dates -----------------------------------------------------------------------------------

_MONTH_NAMES = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_MONTHS = {name: n for n, full in enumerate(_MONTH_NAMES, 1) for name in (full, full[:3])}
_MONTHS["sept"] = 9
_ISO_DATE = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})")
_DAY_MONTH = re.compile(r"(\d{1,2})(?:st|nd|rd|th)? ([a-z]+)\.?(?: (\d{4}))?")
_MONTH_DAY = re.compile(r"([a-z]+)\.? (\d{1,2})(?:st|nd|rd|th)?(?: (\d{4}))?")
_NUMERIC_DATE = re.compile(r"\d{1,2}[/.-]\d{1,2}(?:[/.-]\d{2,4})?")
_DATE_FORMS = "Use 2026-12-24, 24 Dec 2026, Dec 24 2026 or Dec 24"


def _read_date(text: str, today: date, topic: str) -> date:
    cleaned = _collapse(text.lower().replace(",", " "))
    shown = _shown(text)
    year: int | None
    if match := _ISO_DATE.fullmatch(cleaned):
        year, month, day = int(match[1]), int(match[2]), int(match[3])
    elif (match := _DAY_MONTH.fullmatch(cleaned)) and match[2] in _MONTHS:
        day, month, year = int(match[1]), _MONTHS[match[2]], int(match[3]) if match[3] else None
    elif (match := _MONTH_DAY.fullmatch(cleaned)) and match[1] in _MONTHS:
        month, day, year = _MONTHS[match[1]], int(match[2]), int(match[3]) if match[3] else None
    elif _NUMERIC_DATE.fullmatch(cleaned):
        raise _fail(f"`{shown}` is ambiguous (day or month first?). {_DATE_FORMS}.", topic)
    else:
        raise _fail(f"I can't read `{shown}` as a date. {_DATE_FORMS}.", topic)

    if year is None:  # the next such date, today included
        for candidate_year in range(today.year, today.year + 9):  # 9 years reach a 29 February
            try:
                candidate = date(candidate_year, month, day)
            except ValueError:
                continue
            if candidate >= today:
                return candidate
        raise _fail(f"`{shown}` is not a real date. {_DATE_FORMS}.", topic)
    try:
        result = date(year, month, day)
    except ValueError:
        raise _fail(f"`{shown}` is not a real date. {_DATE_FORMS}.", topic) from None
    if result < today:
        raise _fail(f"{result.isoformat()} is in the past; pick today or a later date.", topic)
    return result


# --- subcommands -----------------------------------------------------------------------------

_HELP_WORDS = ("help", "--help", "-h", "?")
_TOPIC_ALIASES = {"goals": "goal", "reviews": "review"}


def _help(scanner: _Scanner, today: date) -> Command:
    token = scanner.take()
    if token is None:
        return Help()
    word = token.text.lower()
    topic = _TOPIC_ALIASES.get(word, word)
    if topic in USAGE:
        return Help(topic)
    guess = _closest(word, list(USAGE))
    hint = f" Did you mean `/kpi help {guess}`?" if guess else ""
    raise _fail(
        f"There is no help topic `{_shown(word)}`.{hint} Topics: {', '.join(USAGE)}.", "help"
    )


def _add(scanner: _Scanner, today: date) -> Command:
    tokens = scanner.rest()
    force = False
    kept = []
    for n, token in enumerate(tokens):
        last = n == len(tokens) - 1
        if token.key is None and (token.word in _FORCE_FLAGS or (last and token.word == "force")):
            force = True
        else:
            kept.append(token)
    fields = _add_fields(kept, KPI_FIELDS, _KPI_FIELD_ALIASES, "name", "add", "add")
    return KpiAdd(fields or None, force=force)


def _reference(tokens: list[_Token], command: str, example: str, topic: str) -> str:
    """The KPI or goal that `tokens` name, as a key or (quoted or not) a name."""
    reference = _ref(" ".join(token.text for token in tokens)).rstrip(":").strip()
    if not reference:
        what = "goal" if topic == "goal" else "KPI"
        raise _fail(f"`{command}` needs a {what} key or name, like `{example}`.", topic)
    return reference


def _edit(scanner: _Scanner, today: date) -> Command:
    return KpiEdit(_reference(scanner.rest(), "edit", "/kpi edit pipeline", "edit"))


def _owner(scanner: _Scanner, today: date) -> Command:
    tokens = scanner.rest()
    if not tokens:
        raise _fail("`owner` needs a KPI and an @-mention of the new owner.", "owner")
    user = _user_id(tokens[-1])
    if user is None:
        if len(tokens) == 1:
            raise _fail("`owner` needs a KPI and an @-mention of the new owner.", "owner")
        example = "/kpi owner pipeline @bob"
        raise _mention_needed("The new owner", tokens[-1].source, example, "owner")
    if len(tokens) == 1:
        raise _fail("`owner` needs the KPI before the new owner.", "owner")
    if any(_user_id(token) for token in tokens[:-1]):
        raise _fail("`owner` takes one KPI and one new owner.", "owner")
    key = _reference(tokens[:-1], "owner", "/kpi owner pipeline @bob", "owner")
    return KpiOwner(key, user)


def _retire(scanner: _Scanner, today: date) -> Command:
    token = scanner.take()
    key = _reference([token] if token else [], "retire", "/kpi retire pipeline", "retire")
    return KpiRetire(key, _free_text(scanner.raw_rest(), "reason", "retire"))


# `log`: a value starts with a digit, or with signs, currency symbols, "(" or "." then a digit.
_VALUE = re.compile(r"[+\-−±$€£¥(.]*\d")
_CURRENCY_CODES = ("USD", "EUR", "GBP", "JPY")
_SMALL_NUMBER = re.compile(r"[+\-−(]?[$€£¥]?\d{1,3}")
_THOUSANDS_GROUP = re.compile(r"\d{3}(?:\.\d+)?")
_FOR = re.compile(r"\s*for(?=\s|$)", re.IGNORECASE)
_RELATIVE_PERIODS = ("today", "yesterday")
_PERIOD_WORDS = ("this", "last", "previous")
_PERIOD_UNITS = ("day", "week", "month", "quarter", "year")
_LOG_EXAMPLE = "/kpi log pipeline 1.2M"


def _is_value(token: _Token | None) -> bool:
    return token is not None and token.key is None and bool(_VALUE.match(token.text))


def _is_currency_code(token: _Token | None) -> bool:
    return token is not None and not token.quoted and token.source.upper() in _CURRENCY_CODES


def _value_starts(scanner: _Scanner) -> bool:
    token = scanner.peek()
    if _is_value(token):
        return True
    return (
        token is not None
        and _is_currency_code(token)
        and _is_value(_try_scan(scanner.text, token.end))
    )


def _take_value(scanner: _Scanner) -> str:
    text = scanner.text
    first = scanner.take()
    assert first is not None
    if first.quoted:
        return first.text
    number: _Token | None = first
    if _is_currency_code(first):
        number = _try_scan(text, first.end)
    assert number is not None
    end = number.end
    if _SMALL_NUMBER.fullmatch(number.source):  # "1 200 000": thousands grouped by spaces
        while (group := _try_scan(text, end)) and group.key is None and not group.quoted:
            if not _THOUSANDS_GROUP.fullmatch(group.source):
                break
            end = group.end
    unit = _try_scan(text, end)
    if number is first and unit is not None and (unit.source == "%" or _is_currency_code(unit)):
        end = unit.end
    scanner.at = end
    return _collapse(_plain(text[first.start : end]))


def _take_period(scanner: _Scanner) -> str | None:
    """`for PERIOD` right after the value; None if there is none (a "for" may start a note)."""
    text = scanner.text
    keyword = _FOR.match(text, scanner.at)
    if keyword is None:
        return None
    period = _try_scan(text, keyword.end())
    if period is None and text[keyword.end() :].strip():
        return None  # "for 'twas …": an unbalanced quote, so a note
    if period is None:
        raise _fail(f"`for` needs a period, like `{_LOG_EXAMPLE} for 2026-W47`.", "log")
    if period.key is not None:
        return None
    has_digit = any(ch.isdigit() for ch in period.source)
    if period.quoted or has_digit or period.word in _RELATIVE_PERIODS:
        scanner.at = period.end
        return period.text
    unit = _try_scan(text, period.end)
    if period.word in _PERIOD_WORDS and unit is not None and unit.word in _PERIOD_UNITS:
        scanner.at = unit.end
        return f"{period.word} {unit.word}"
    return None


def _log(scanner: _Scanner, today: date) -> Command:
    first = scanner.take()
    if first is None:
        raise _fail(f"`log` needs a KPI and a value, like `{_LOG_EXAMPLE}`.", "log")
    words = [first.text]
    if not first.quoted:  # as many words as come before the value
        while not _value_starts(scanner) and (token := scanner.take()) is not None:
            words.append(token.text)
    kpi = _ref(" ".join(words)).rstrip(":").strip()
    if not kpi:
        raise _fail(f"`log` needs a KPI key or name, like `{_LOG_EXAMPLE}`.", "log")
    if not _value_starts(scanner):
        if len(words) == 1 and _is_value(first):
            raise _fail(f"`log` needs the KPI before the value, like `{_LOG_EXAMPLE}`.", "log")
        shown = f'"{kpi}"' if first.quoted else kpi
        raise _fail(f"log needs a value: /kpi log {_shown(shown)} 1.2M [note]", "log")
    value = _take_value(scanner)
    period = _take_period(scanner)
    note = _free_text(scanner.raw_rest(), "note", "log")
    return Log(kpi, value, period, note)


def _list(scanner: _Scanner, today: date) -> Command:
    fields, words = _read_fields(scanner.rest(), _LIST_FIELDS, {}, "list", "list")
    for word in words:
        user = _user_id(word)
        name, value = ("owner", user) if user else ("team", _team(word.source))
        if name in fields:
            raise _fail(f"`list` takes one {name}, but got more.", "list")
        fields[name] = value
    return ListKpis(fields.get("team"), fields.get("owner"), fields.get("goal"))


def _mine(scanner: _Scanner, today: date) -> Command:
    _no_more(scanner.rest(), "/kpi mine", "mine")
    return Mine()


def _show(scanner: _Scanner, today: date) -> Command:
    tokens = scanner.rest()
    share = len(tokens) > 1 and tokens[-1].word in ("share", "public", "--share", "--public")
    if share:
        tokens = tokens[:-1]
    return Show(_reference(tokens, "show", "/kpi show pipeline", "show"), share=share)


_GOAL_SUBCOMMANDS = ("add", "list", "show")


def _goal(scanner: _Scanner, today: date) -> Command:
    first = scanner.take()
    if first is None or first.word == "list":
        _no_more(scanner.rest(), "/kpi goal list", "goal")
        return GoalList()
    if first.word == "add":
        tokens = scanner.rest()
        aliases = _GOAL_FIELD_ALIASES
        fields = _add_fields(tokens, GOAL_FIELDS, aliases, "title", "goal add", "goal")
        return GoalAdd(fields or None)
    tokens = scanner.rest()
    if first.word != "show":
        guess = _closest(first.word, _GOAL_SUBCOMMANDS) if tokens and first.key is None else None
        if guess:
            raise _fail(f"Did you mean `/kpi goal {guess}`?", "goal")
        tokens = [first, *tokens]
    return GoalShow(_reference(tokens, "goal show", "/kpi goal show grow-arr", "goal"))


def _goals(scanner: _Scanner, today: date) -> Command:
    _no_more(scanner.rest(), "/kpi goals", "goal")
    return GoalList()


def _is_delegate_start(token: _Token) -> bool:
    return (
        token.key == "delegate"
        or token.word == "delegate"
        or (not token.quoted and token.source.startswith(("@", "<@")))
    )


def _away(scanner: _Scanner, today: date) -> Command:
    tokens = scanner.rest()
    if tokens and tokens[0].word == "until":
        tokens = tokens[1:]
    split = next((n for n, token in enumerate(tokens) if _is_delegate_start(token)), len(tokens))
    date_tokens, rest = tokens[:split], tokens[split:]
    if not date_tokens:
        example = "/kpi away until 2026-12-24"
        raise _fail(f"`away` needs the date you're away until, like `{example}`.", "away")
    until = _read_date(" ".join(token.text for token in date_tokens), today, "away")
    if not rest:
        return Away(until)
    example = "/kpi away until 2026-12-24 delegate @bob"
    head, rest = rest[0], rest[1:]
    source = head.source
    if head.key == "delegate" and head.value:
        source = head.value
    elif head.key == "delegate" or head.word == "delegate":
        if not rest:
            raise _fail(f"`delegate` needs an @-mention, like `{example}`.", "away")
        source, rest = rest[0].source, rest[1:]
    user = _USER.fullmatch(source.strip())
    if user is None:
        raise _mention_needed("The delegate", source, example, "away")
    _no_more(rest, example, "away")
    return Away(until, user.group(1))


def _back(scanner: _Scanner, today: date) -> Command:
    _no_more(scanner.rest(), "/kpi back", "back")
    return Back()


def _v2mom(scanner: _Scanner, today: date) -> Command:
    tokens = scanner.rest()
    edit = bool(tokens) and tokens[0].word == "edit"
    if tokens and tokens[0].word in ("edit", "show"):
        tokens = tokens[1:]
    if len(tokens) > 1:
        raise _fail("`v2mom` takes at most one team, like `/kpi v2mom sales`.", "v2mom")
    team = _team(tokens[0].source) if tokens else None
    return V2momEdit(team) if edit else V2momShow(team)


def _digest(scanner: _Scanner, today: date) -> Command:
    tokens = scanner.rest()
    team: str | None = None
    rest = []
    for token in tokens:
        channel = _CHANNEL.fullmatch(token.source.strip())
        if team is None and ((token.key == "team" and token.value) or channel):
            team = _team(token.value if token.key == "team" else token.source)
        else:
            rest.append(token)
    if rest and rest[0].word in ("schedule", "time"):
        when = " ".join(token.text for token in rest[1:]) or None
        if when is not None and when.lower() != "default":
            try:
                when = parse_digest_time(when).text
            except ValueError as exc:
                raise _fail(f"{exc}.", "digest") from None
        return DigestSchedule(team, when.lower() if when else None)
    preview = bool(rest) and rest[0].word in ("preview", "--preview")
    _no_more(rest[1:] if preview else rest, "/kpi digest preview", "digest")
    return Digest(preview, team)


_REVIEW_ACTIONS: dict[str, ReviewAction] = {
    "start": "start",
    "open": "start",
    "close": "close",
    "schedule": "schedule",
    "status": "status",
}
_LEAD = re.compile(r"(\d{1,3})\s*(h|hours?|d|days?)?")


def _team_token(token: _Token) -> str | None:
    """The team a `team:KEY` field or a #channel mention names, else None."""
    if token.key == "team" and token.value:
        return _team(token.value)
    if _CHANNEL.fullmatch(token.source.strip()):
        return _team(token.source)
    return None


def _review(scanner: _Scanner, today: date) -> Command:
    tokens = scanner.rest()
    named = bool(tokens) and tokens[0].word in _REVIEW_ACTIONS
    action: ReviewAction = _REVIEW_ACTIONS[tokens[0].word] if named else "status"
    rest = tokens[1:] if named else tokens
    team = next((t for t in (_team_token(token) for token in rest) if t), None)
    rest = [token for token in rest if _team_token(token) is None]
    if action != "schedule":
        if team is None and len(rest) == 1 and rest[0].key is None:
            team, rest = _team(rest[0].source), []
        _no_more(rest, f"/kpi review {action} [team]", "review")
        return Review(action, team)
    lead: int | None = None
    words = []
    for token in rest:
        if token.key == "before":
            found = _LEAD.fullmatch(token.value.strip().lower())
            if found is None:
                raise _fail(
                    "`before:` takes hours or days, like `before:24h` or `before:2d`.", "review"
                )
            lead = int(found[1]) * (24 if (found[2] or "h").startswith("d") else 1)
        elif token.key is not None:
            raise _fail(f"`review schedule` has no field `{_shown(token.key)}`.", "review")
        else:
            words.append(token.text)
    if not words:
        raise _fail("`review schedule` needs the rhythm, like `every other tue 10:00`.", "review")
    return Review("schedule", team, " ".join(words), lead)


def _actions(scanner: _Scanner, today: date) -> Command:
    tokens = scanner.rest()
    if tokens and tokens[0].word == "done":
        number = tokens[1].text.lstrip("#") if len(tokens) == 2 else ""
        if not number.isdigit():
            raise _fail(
                "`actions done` takes the number of one item, like `/kpi actions done 12`.",
                "actions",
            )
        return Actions(done=int(number))
    if len(tokens) > 1:
        raise _fail("`actions` takes at most one team, like `/kpi actions sales`.", "actions")
    if tokens and tokens[0].word in ("mine", "me"):
        return Actions(mine=True)
    return Actions(_team(tokens[0].value or tokens[0].source) if tokens else None)


def _health(scanner: _Scanner, today: date) -> Command:
    tokens = scanner.rest()
    if len(tokens) > 1:
        raise _fail("`health` takes at most one team, like `/kpi health sales`.", "health")
    if not tokens or tokens[0].word in ("company", "all"):
        return Health()
    return Health(_team(tokens[0].value or tokens[0].source))


_HANDLERS: dict[str, Callable[[_Scanner, date], Command]] = {
    "help": _help,
    "add": _add,
    "edit": _edit,
    "owner": _owner,
    "retire": _retire,
    "log": _log,
    "list": _list,
    "mine": _mine,
    "show": _show,
    "goal": _goal,
    "goals": _goals,
    "away": _away,
    "back": _back,
    "v2mom": _v2mom,
    "digest": _digest,
    "review": _review,
    "reviews": _review,
    "actions": _actions,
    "health": _health,
}
_TOPICS = {word: _TOPIC_ALIASES.get(word, word) for word in _HANDLERS}


def parse(text: str, *, today: date) -> Command:
    """Read the text after ``/kpi`` (as Slack sends it) into one command.

    `today` is the user's current date: dates without a year mean the next such date, and an
    ``away`` date may not be before it. Raises UsageError with a message for the user.
    """
    if len(text) > MAX_COMMAND_CHARS:
        raise UsageError(
            f"That command is too long ({len(text):,} characters; the limit is "
            f"{MAX_COMMAND_CHARS:,}). Shorten the note, or use `/kpi add` with no fields to "
            "get a form.",
            "help",
        )
    scanner = _Scanner(_strip_controls(text))
    head = scanner.take()
    if head is None:
        return Help()
    word = head.text.lower()
    if word in _HELP_WORDS:
        word = "help"
    handler = _HANDLERS.get(word)
    if handler is None:
        guess = _closest(word, list(_HANDLERS))
        hint = f" Did you mean `/kpi {guess}`?" if guess else ""
        raise _fail(
            f"I don't know `/kpi {_shown(word)}`.{hint} Send `/kpi help` to see what I can do.",
            "help",
        )
    scanner.topic = _TOPICS[word]
    if word != "help":
        asked = _try_scan(scanner.text, scanner.at)
        alone = asked is not None and _try_scan(scanner.text, asked.end) is None
        if alone and asked is not None and asked.word in _HELP_WORDS:
            return Help(scanner.topic)
    return handler(scanner, today)
