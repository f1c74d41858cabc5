"""localslack: a small in-memory Slack that a Slack app can be run and tested against.

- `Workspace`: the team, its people, conversations, messages, modals, home tabs, files and a
  record of every call; its behaviour (scopes, rate limits, latency, clock) is adjustable.
- `LocalSlackServer`: serves a workspace's Web API on 127.0.0.1 (`api_url` is the base URL
  to give slack_sdk or `SLACK_API_URL`).
- `SlackDriver`: plays Slack towards the app: signed slash commands, interactions and events.
- `WebUi`: the workspace as a Slack-like page in the browser (served with `LocalSlackServer`);
  every click becomes a signed request through the driver. `AppControl` is how the page asks
  the app to run its scheduled jobs as of a time on the shared `TravelClock`.
"""

from localslack.clock import FakeClock, TravelClock
from localslack.control import AppControl, JobReport, NoJobs
from localslack.driver import SlackDriver, sign
from localslack.errors import SlackError
from localslack.methods import WebApi
from localslack.models import Call, Channel, Ephemeral, File, Message, User, View
from localslack.ratelimit import RateLimiter, RateLimitPolicy
from localslack.server import LocalSlackServer, ServerThread
from localslack.web import WebUi
from localslack.webapi import create_app
from localslack.workspace import Workspace

__all__ = [
    "AppControl",
    "Call",
    "Channel",
    "Ephemeral",
    "FakeClock",
    "File",
    "JobReport",
    "LocalSlackServer",
    "Message",
    "NoJobs",
    "RateLimitPolicy",
    "RateLimiter",
    "ServerThread",
    "SlackDriver",
    "SlackError",
    "TravelClock",
    "User",
    "View",
    "WebApi",
    "WebUi",
    "Workspace",
    "create_app",
    "sign",
]
