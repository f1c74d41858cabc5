"""Reading the text after ``/kpi`` into typed commands, one module per command family.

:func:`commands.registry.parse` takes the text exactly as Slack sends it with escaping on and
returns one of the frozen dataclasses of these modules, or raises :class:`UsageError` with a
message fit to show the person who typed the command: what was wrong, then the right form with
an example. ``tokens`` splits the text, ``fields`` reads ``name:value`` fields, ``dates`` reads
dates; ``kpis``, ``values``, ``goals``, ``people`` and ``teams`` parse their subcommands.

What Slack sends, and what these modules make of it:

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

from commands.parsing.fields import GOAL_FIELDS, KPI_FIELDS
from commands.parsing.goals import GoalAdd, GoalList, GoalShow
from commands.parsing.kpis import KpiAdd, KpiEdit, KpiOwner, KpiRetire, ListKpis, Mine, Show
from commands.parsing.people import Away, Back
from commands.parsing.teams import (
    Actions,
    Digest,
    DigestSchedule,
    Health,
    Review,
    ReviewAction,
    V2momEdit,
    V2momShow,
)
from commands.parsing.text import MAX_COMMAND_CHARS, UsageError
from commands.parsing.values import Log

__all__ = [
    "GOAL_FIELDS",
    "KPI_FIELDS",
    "MAX_COMMAND_CHARS",
    "Actions",
    "Away",
    "Back",
    "Digest",
    "DigestSchedule",
    "GoalAdd",
    "GoalList",
    "GoalShow",
    "Health",
    "KpiAdd",
    "KpiEdit",
    "KpiOwner",
    "KpiRetire",
    "ListKpis",
    "Log",
    "Mine",
    "Review",
    "ReviewAction",
    "Show",
    "UsageError",
    "V2momEdit",
    "V2momShow",
]
