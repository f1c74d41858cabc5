"""API tokens: shape, hashing, names and scope rules."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.tokens import (
    Scope,
    TokenNameError,
    check_name,
    hint_of,
    join_keys,
    looks_like_token,
    new_token,
    split_keys,
    token_hash,
)


def test_new_tokens_are_prefixed_high_entropy_and_distinct() -> None:
    tokens = {new_token() for _ in range(200)}
    assert len(tokens) == 200
    assert all(t.startswith("kpi_") and len(t) == 47 and looks_like_token(t) for t in tokens)


def test_the_hash_is_sha256_hex_and_never_the_token() -> None:
    token = new_token()
    assert token_hash(token) == hashlib.sha256(token.encode()).hexdigest()
    assert token not in token_hash(token) and len(token_hash(token)) == 64
    assert token_hash(token) != token_hash(token[:-1] + ("A" if token[-1] != "A" else "B"))


def test_the_hint_is_the_prefix_and_a_few_characters() -> None:
    token = new_token()
    assert hint_of(token) == token[:10] and hint_of(token).startswith("kpi_")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "kpi_",
        "kpi_short",
        "KPI_" + "a" * 43,
        "kpi_" + "a" * 42,
        "kpi_" + "a" * 44,
        "kpi_" + "!" * 43,
        "Bearer kpi_" + "a" * 43,
    ],
)
def test_text_not_shaped_like_a_token_is_refused(text: str) -> None:
    assert not looks_like_token(text)


@pytest.mark.parametrize(
    ("given", "expected"),
    [("crm-sync", "crm-sync"), (" CRM_Sync ", "crm_sync"), ("a", "a"), ("x" * 28, "x" * 28)],
)
def test_good_names(given: str, expected: str) -> None:
    assert check_name(given) == expected


@pytest.mark.parametrize("given", ["", "-crm", "crm sync", "crm/sync", "x" * 29, "ünicode"])
def test_bad_names_say_what_is_allowed(given: str) -> None:
    with pytest.raises(TokenNameError, match="1 to 28 lowercase letters"):
        check_name(given)


@given(st.lists(st.from_regex(r"[a-z0-9-]{1,12}", fullmatch=True), max_size=6))
def test_keys_round_trip(keys: list[str]) -> None:
    assert split_keys(join_keys(keys)) == frozenset(keys)


@pytest.mark.parametrize(
    ("scope", "kpi", "team", "covered"),
    [
        (Scope(), "pipeline", "sales", True),
        (Scope(), "orphan", None, True),
        (Scope(teams=frozenset({"sales"})), "pipeline", "sales", True),
        (Scope(teams=frozenset({"sales"})), "signups", "marketing", False),
        (Scope(teams=frozenset({"sales"})), "orphan", None, False),
        (Scope(kpis=frozenset({"signups"})), "signups", "marketing", True),
        (Scope(kpis=frozenset({"signups"})), "pipeline", "sales", False),
        (Scope(frozenset({"sales"}), frozenset({"signups"})), "signups", "marketing", True),
        (Scope(frozenset({"sales"}), frozenset({"signups"})), "churn", "sales", True),
        (Scope(frozenset({"sales"}), frozenset({"signups"})), "nps", "support", False),
        (Scope(read_only=True), "pipeline", "sales", True),  # read-only limits writes, not reach
    ],
)
def test_scope_rules(scope: Scope, kpi: str, team: str | None, covered: bool) -> None:
    assert scope.covers(kpi, team) is covered


def test_scope_describes_itself() -> None:
    assert Scope().describe() == "every KPI, read and write"
    assert (
        Scope(frozenset({"sales", "cs"}), frozenset({"nps"}), read_only=True).describe()
        == "teams cs, sales and KPIs nps, read-only"
    )
