"""`kpibot digest render`: a digest's Block Kit JSON and chart PNG in a folder, without Slack.

People can look at the PNG, read the alt text, and paste the JSON's ``blocks`` into Slack's
Block Kit Builder to see the message (its image block points at the PNG by file name).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RenderRun = Callable[[argparse.Namespace, Any], int]


def add_parser(sub: Any, run: RenderRun, moment: Callable[[str], datetime]) -> None:
    digest = sub.add_parser("digest", help="look at digests without Slack")
    digest_sub = digest.add_subparsers(title="digest commands", metavar="COMMAND")
    render = digest_sub.add_parser(
        "render", help="write a team's digest (or the company roll-up) as Block Kit JSON and PNG"
    )
    which = render.add_mutually_exclusive_group(required=True)
    which.add_argument("--team", help="the team's key")
    which.add_argument("--rollup", action="store_true", help="the company roll-up instead")
    render.add_argument("--out", type=Path, required=True, help="folder to write into")
    render.add_argument(
        "--at",
        type=moment,
        help="as of this moment, ISO-8601 with an offset (default: now)",
    )
    render.set_defaults(run=run)


def render_to(out: Path, stem: str, message: Any, png: bytes, alt_text: str) -> list[Path]:
    """Write ``stem``.json (the message payload) and ``stem``.png into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    image = out / f"{stem}.png"
    image.write_bytes(png)
    blocks = [
        {"type": "image", "image_url": image.name, "alt_text": block["alt_text"]}
        if block.get("type") == "image"
        else block
        for block in message.blocks
    ]
    payload = {"text": message.text, "blocks": blocks, "alt_text": alt_text}
    document = out / f"{stem}.json"
    document.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return [document, image]


def run_render(args: argparse.Namespace, settings: Any, engine: Any) -> list[Path]:
    """Build, draw and write the digest the arguments name (LookupError for a bad team)."""
    from bot.digests.publish import Content
    from bot.digests.render import ChartRenderer
    from bot.runtime import policy_from
    from commands.digests.digest import team_digest
    from commands.rollup import build_rollup
    from storage import repo
    from storage.db import session_scope

    moment: datetime = args.at or datetime.now(UTC)
    policy = policy_from(settings)
    with session_scope(engine) as session:
        if args.rollup:
            content = Content(build_rollup(session, policy, moment))
        else:
            team = repo.get_team(session, args.team.strip().lower())
            if team is None:
                known = ", ".join(t.key for t in repo.list_teams(session)) or "none"
                raise LookupError(f"no team has the key '{args.team}' (teams: {known})")
            content = Content(team_digest(session, policy, team, moment), team.id)
    chart = content.chart(ChartRenderer(0)).result()
    message = content.message("offline", chart.alt_text)
    return render_to(
        args.out, content.filename.removesuffix(".png"), message, chart.png, chart.alt_text
    )
