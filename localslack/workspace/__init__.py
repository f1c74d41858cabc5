"""An in-memory Slack workspace: people, conversations, messages, views, files and calls.

The workspace is the single source of truth behind the stand-in. The Web API (`webapi.py`)
and the driver (`driver.py`) change it through the operations below; tests seed it, tune
its behaviour (scopes, rate limits, latency, clock) and read it back with the query helpers.

Everything is guarded by one re-entrant lock, so the server thread and a test thread can use
it at once. Query helpers return copies. `wait_for()` blocks until a condition holds, which
is how a test waits for work an app does after it has acknowledged a request.

The operations are grouped into facets that mirror Slack's Web API families, one module
each: users, conversations, chat, views, files, interactivity (trigger IDs and response
URLs) and behaviour (scopes, rate limits, the call log). `state` holds what they share.
"""

from __future__ import annotations

from localslack.workspace.behaviour import BehaviourFacet
from localslack.workspace.files import FilesFacet
from localslack.workspace.interactivity import InteractivityFacet
from localslack.workspace.state import MAX_BLOCKS, MAX_MODAL_STACK, MAX_TEXT_LENGTH
from localslack.workspace.views import ViewsFacet


class Workspace(InteractivityFacet, FilesFacet, ViewsFacet, BehaviourFacet):
    """One Slack team with one app installed in it (the app under test)."""


__all__ = ["MAX_BLOCKS", "MAX_MODAL_STACK", "MAX_TEXT_LENGTH", "Workspace"]
