"""The Home tab: published for one person when they open it (app_home_opened) or change
something there, never for everybody at once."""

from __future__ import annotations

from bot import blocks, ids
from bot.blocks import Block, button, context, header, section
from bot.reviews.blocks import action_line
from bot.runtime import Failure, Runtime
from commands.home import HOME_SCORECARD_PERIODS, HomeKpi, HomeView, home
from commands.results import GoalTree
from commands.text import esc

DUE_EMOJI = {
    "up_to_date": ":white_check_mark:",
    "due": ":hourglass_flowing_sand:",
    "late": ":alarm_clock:",
}
MAX_HOME_BLOCKS = 100  # Slack's limit for a view
MAX_ACTIONS = 15


def publish_home(rt: Runtime, user_id: str) -> None:
    outcome = rt.execute(user_id, home)
    if isinstance(outcome, Failure):
        view_blocks = blocks.error(outcome.message, outcome.hint).blocks
    else:
        view_blocks = home_blocks(outcome)
    rt.client.views_publish(user_id=user_id, view={"type": "home", "blocks": view_blocks})


def _kpi(entry: HomeKpi) -> Block:
    text = blocks.kpi_line(entry.row) + f"\n    {DUE_EMOJI[entry.state]} {entry.due}"
    if entry.row.computed:  # worked out from other KPIs: nothing to log here
        return section(text)
    return section(
        text,
        accessory=button(
            "Log value",
            ids.LOG_OPEN,
            f"{entry.row.key} {entry.log_period}" if entry.log_period else entry.row.key,
            style="primary" if entry.state != "up_to_date" else None,
        ),
    )


def home_blocks(view: HomeView) -> list[Block]:
    out: list[Block] = [header("Your KPIs")]
    if not view.kpis:
        out.append(
            section("You own no KPIs. A team lead can hand you one with `/kpi owner KEY @you`.")
        )
    out.extend(_kpi(entry) for entry in view.kpis)
    out.append({"type": "divider"})
    out.append(header("Your open action items"))
    if not view.actions:
        out.append(section("Nothing open. Action items are added in review threads."))
    for item in view.actions[:MAX_ACTIONS]:
        out.append(
            section(
                action_line(item, view.today),
                accessory=button("Done", ids.ACTION_DONE, str(item.id)),
            )
        )
    if len(view.actions) > MAX_ACTIONS:
        out.append(context(f"…and {len(view.actions) - MAX_ACTIONS} more: `/kpi actions`."))
    out.extend(scorecard_blocks(view))
    out.append({"type": "divider"})
    teams = ", ".join(view.teams)
    out.append(header("Your teams' goals"))
    if view.goals:
        if teams:
            out.append(context(f"Teams: {esc(teams)}"))
        goal_blocks = blocks.goal_tree(GoalTree(view.goals)).blocks[1:]  # without its title
        out.extend(goal_blocks[: MAX_HOME_BLOCKS - len(out) - 2])
    else:
        out.append(section("None of your teams has goals yet."))
    out.append(context("Type `/kpi help` anywhere for every command."))
    return out[:MAX_HOME_BLOCKS]


def scorecard_blocks(view: HomeView) -> list[Block]:
    """Each of the person's teams' recent scorecard, in a code block."""
    out: list[Block] = []
    for card in view.scorecards:
        out.append({"type": "divider"})
        out.append(header(f"Scorecard: {card.team_name}"))
        out.append(section(f"```\n{card.text[:2900]}\n```"))
        out.append(
            context(f"The last {HOME_SCORECARD_PERIODS} periods; `/kpi scorecard` for more.")
        )
    return out
