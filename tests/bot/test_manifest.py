"""app_manifest.yml is valid for Slack and asks for exactly what the code uses."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from bot.listeners.slash import COMMAND
from bot.slack_client import COMPOSITE_METHODS, METHOD_SCOPES, bot_scopes

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT.parent / "shared" / "slack" / "manifest-schema"
MANIFEST = yaml.safe_load((ROOT / "app_manifest.yml").read_text(encoding="utf-8"))


def _web_api_calls_in_bot() -> set[str]:
    """Every `client.<method>(` call in bot/, as Web API method names."""
    calls: set[str] = set()
    for path in (ROOT / "bot").rglob("*.py"):
        for name in re.findall(
            r"client\.([a-z]+_[A-Za-z0-9_]+)\(", path.read_text(encoding="utf-8")
        ):
            if name in COMPOSITE_METHODS:
                calls.update(COMPOSITE_METHODS[name])
            else:
                family, _, method = name.partition("_")
                calls.add(f"{family}.{method}")
    return calls


def test_every_web_api_call_is_declared() -> None:
    calls = _web_api_calls_in_bot()
    assert calls, "the scan found no Web API calls: has the client variable been renamed?"
    assert calls <= set(METHOD_SCOPES), f"undeclared calls: {calls - set(METHOD_SCOPES)}"
    unused = set(METHOD_SCOPES) - calls - {"auth.test"}  # Bolt itself calls auth.test
    assert not unused, f"declared but never called: {unused}"


def test_manifest_scopes_are_exactly_the_used_ones() -> None:
    assert set(MANIFEST["oauth_config"]["scopes"]["bot"]) == bot_scopes()


def test_manifest_declares_the_slash_command_the_code_registers() -> None:
    commands = [c["command"] for c in MANIFEST["features"]["slash_commands"]]
    assert commands == [COMMAND]
    assert MANIFEST["features"]["slash_commands"][0]["should_escape"] is True


def test_manifest_declares_interactivity_home_and_events() -> None:
    settings = MANIFEST["settings"]
    assert settings["interactivity"]["is_enabled"] is True
    assert MANIFEST["features"]["app_home"]["home_tab_enabled"] is True
    assert "app_home_opened" in settings["event_subscriptions"]["bot_events"]
    urls = {
        settings["interactivity"]["request_url"],
        settings["event_subscriptions"]["request_url"],
        MANIFEST["features"]["slash_commands"][0]["url"],
    }
    assert len(urls) == 1 and urls.pop().endswith("/slack/events")


@pytest.mark.skipif(not SCHEMAS.is_dir(), reason=f"Slack's manifest schema is not at {SCHEMAS}")
def test_manifest_validates_against_slacks_schema() -> None:
    import jsonschema
    from referencing import Registry, Resource

    registry: Registry = Registry()
    for path in SCHEMAS.glob("manifest.schema*.json"):
        schema = json.loads(path.read_text(encoding="utf-8"))
        resource = Resource.from_contents(schema)
        # The top schema refers to the versioned ones by their published URLs; serve them
        # from the local copies so validation never touches the network.
        for uri in {
            schema.get("$id", ""),
            f"https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/{path.name}",
        }:
            if uri:
                registry = registry.with_resource(uri, resource)
    top = json.loads((SCHEMAS / "manifest.schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(top, registry=registry)
    errors = sorted(validator.iter_errors(MANIFEST), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)
