"""Which bot-token scope each Web API method needs, as Slack's method reference lists them.

A method maps to the scopes that each suffice on their own; the first is the one reported as
`needed` in a `missing_scope` error. An empty tuple means the method needs no scope. Methods
that read a conversation need a scope that depends on the kind of conversation; those are
checked per call with `CONVERSATION_READ_SCOPES` and `CONVERSATION_HISTORY_SCOPES`.
"""

from __future__ import annotations

from typing import Final

METHOD_SCOPES: Final[dict[str, tuple[str, ...]]] = {
    "auth.test": (),
    "team.info": ("team:read",),
    "chat.postMessage": ("chat:write",),
    "chat.postEphemeral": ("chat:write",),
    "chat.update": ("chat:write",),
    "chat.delete": ("chat:write",),
    "chat.getPermalink": (),
    "conversations.open": ("im:write", "mpim:write", "channels:manage", "groups:write"),
    "conversations.join": ("channels:join",),
    # Conversation readers: checked per conversation kind (see below).
    "conversations.info": (),
    "conversations.members": (),
    "conversations.list": (),
    "conversations.history": (),
    "conversations.replies": (),
    "users.info": ("users:read",),
    "users.list": ("users:read",),
    "users.lookupByEmail": ("users:read.email",),
    "views.open": (),
    "views.push": (),
    "views.update": (),
    "views.publish": (),
    "files.getUploadURLExternal": ("files:write",),
    "files.completeUploadExternal": ("files:write",),
    "apps.connections.open": ("connections:write",),
}

# conversations.info / members / list need the ":read" scope of the conversation's kind ...
CONVERSATION_READ_SCOPES: Final[dict[str, str]] = {
    "public_channel": "channels:read",
    "private_channel": "groups:read",
    "im": "im:read",
    "mpim": "mpim:read",
}

# ... and conversations.history / replies its ":history" scope.
CONVERSATION_HISTORY_SCOPES: Final[dict[str, str]] = {
    "public_channel": "channels:history",
    "private_channel": "groups:history",
    "im": "im:history",
    "mpim": "mpim:history",
}

# Lets chat.postMessage reach public channels the bot is not a member of.
CHAT_WRITE_PUBLIC: Final = "chat:write.public"

# What a fresh workspace grants its bot: everything above except chat:write.public, so that
# posting to a channel the bot has not joined fails the way it does for most installs.
DEFAULT_BOT_SCOPES: Final[frozenset[str]] = frozenset(
    {scope for scopes in METHOD_SCOPES.values() for scope in scopes}
    - {"connections:write"}  # an app-level token scope, never a bot scope
    | set(CONVERSATION_READ_SCOPES.values())
    | set(CONVERSATION_HISTORY_SCOPES.values())
    | {"commands", "app_mentions:read"}
)
