"""Answering the person who asked, through the response_url Slack gave with the request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot import blocks
from bot.runtime import Failure

Respond = Callable[..., Any]


def reply(respond: Respond, message: blocks.Message) -> None:
    respond(
        text=message.text,
        blocks=message.blocks,
        response_type="in_channel" if message.in_channel else "ephemeral",
        replace_original=False,
    )


def reply_failure(respond: Respond, failure: Failure) -> None:
    reply(respond, blocks.error(failure.message, failure.hint))
