"""localslack: a small in-memory Slack that a Slack app can be run and tested against.

- `Workspace`: the team, its people, conversations, messages, modals, home tabs, files and a
  record of every call; its behaviour (scopes, rate limits, latency, clock) is adjustable.
- `LocalSlackServer`: serves a workspace's Web API on 127.0.0.1 (`api_url` is the base URL
  to give slack_sdk or `SLACK_API_URL`).
- `SlackDriver`: plays Slack towards the app: signed slash commands, interactions and events.
"""

from localslack.clock import FakeClock
from localslack.driver import SlackDriver, sign
from localslack.errors import SlackError
from localslack.methods import WebApi
from localslack.models import Call, Channel, Ephemeral, File, Message, User, View
from localslack.ratelimit import RateLimiter, RateLimitPolicy
from localslack.server import LocalSlackServer, ServerThread
from localslack.webapi import create_app
from localslack.workspace import Workspace

__all__ = [
    "Call",
    "Channel",
    "Ephemeral",
    "FakeClock",
    "File",
    "LocalSlackServer",
    "Message",
    "RateLimitPolicy",
    "RateLimiter",
    "ServerThread",
    "SlackDriver",
    "SlackError",
    "User",
    "View",
    "WebApi",
    "Workspace",
    "create_app",
    "sign",
]
