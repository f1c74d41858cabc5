"""Every :emoji: kpibot writes is one the local workspace page draws (Slack knows them all)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# An emoji code inside a string: `:name:` after a quote, a space or "(" and before one.
EMOJI_CODE = re.compile(r"""(?<=["' (]):([a-z][a-z0-9_+-]*):(?=["' ])""")


def _page_emoji() -> set[str]:
    script = (ROOT / "localslack" / "static" / "mrkdwn.js").read_text(encoding="utf-8")
    table = script.split("const EMOJI = {", 1)[1].split("};", 1)[0]
    return set(re.findall(r'"?([a-z0-9_+-]+)"?:\s*"', table))


def test_every_emoji_in_kpibots_messages_is_drawn_by_the_local_page() -> None:
    known = _page_emoji()
    assert "white_check_mark" in known
    used = {
        (path.relative_to(ROOT).as_posix(), code)
        for path in (ROOT / "bot").rglob("*.py")
        for code in EMOJI_CODE.findall(path.read_text(encoding="utf-8"))
    }
    assert used
    unknown = sorted((path, code) for path, code in used if code not in known)
    assert unknown == []
