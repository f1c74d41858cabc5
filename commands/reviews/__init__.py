"""Review meetings: open, post, close; and what other features need from them.

Other features read the open action items of a team with :func:`open_action_items` (plain
data, see :class:`commands.results.OpenActionItem`).
"""

from __future__ import annotations

from commands.results import OpenActionItem
from commands.reviews.action_items import open_action_items, open_action_items_by_team

__all__ = ["OpenActionItem", "open_action_items", "open_action_items_by_team"]
