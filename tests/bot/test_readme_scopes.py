"""The README's scope table lists exactly what app_manifest.yml asks for."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def readme_scopes() -> set[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Create the Slack app", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([a-z:_.]+)` \|", section, flags=re.MULTILINE))


def test_readme_lists_every_scope_the_manifest_asks_for() -> None:
    manifest = yaml.safe_load((ROOT / "app_manifest.yml").read_text(encoding="utf-8"))
    assert readme_scopes() == set(manifest["oauth_config"]["scopes"]["bot"])


def test_readme_names_the_emoji_font_for_chromium() -> None:
    assert "fonts-noto-color-emoji" in (ROOT / "README.md").read_text(encoding="utf-8")
