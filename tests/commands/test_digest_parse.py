"""`/kpi digest …` as typed in Slack."""

from __future__ import annotations

from datetime import date

import pytest

from commands.parsing import Digest, DigestSchedule, UsageError
from commands.registry import help_text, parse

TODAY = date(2026, 11, 26)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("digest", Digest(False, None)),
        ("digest preview", Digest(True, None)),
        ("digest team:sales", Digest(False, "sales")),
        ("digest preview team:Sales", Digest(True, "sales")),
        ("digest team:sales preview", Digest(True, "sales")),
        ("digest <#C0SALES01|sales> preview", Digest(True, "sales")),
        ("digest schedule", DigestSchedule(None, None)),
        ("digest schedule fri 16:00", DigestSchedule(None, "fri 16:00")),
        ("digest schedule Friday 4pm team:sales", DigestSchedule("sales", "fri 16:00")),
        ("digest team:ops time tue 9am", DigestSchedule("ops", "tue 09:00")),
        ("digest schedule DEFAULT", DigestSchedule(None, "default")),
    ],
)
def test_digest_commands(text: str, expected: object) -> None:
    assert parse(text, today=TODAY) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("digest now", "takes nothing more"),
        ("digest preview please", "takes nothing more"),
        ("digest schedule someday 10:00", "'someday' is not a weekday"),
        ("digest schedule mon 26:00", "out of range"),
    ],
)
def test_bad_digest_commands_say_what_is_expected(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message) as error:
        parse(text, today=TODAY)
    assert "/kpi digest schedule DAY HH:MM" in error.value.message


def test_the_help_explains_previews_and_the_schedule() -> None:
    text = help_text("digest")
    assert "`preview` shows it only to you" in text
    assert "/kpi digest schedule fri 16:00" in text
