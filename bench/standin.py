"""The Slack stand-in the benchmarks share: a workspace with Slack's documented rate limits,
the floor those limits set, and (for bench_chaos) the stand-in in a process of its own behind a
proxy that can turn Slack bad for a stretch.

    workspace, policy = rate_limited_workspace(users=owners, channels=team_channels)
    floor = floor_seconds(workspace, policy)          # after a run

    with StandIn(users=owners, channels=team_channels) as slack:   # its own process
        slack.fault("429", retry_after=5)             # every call answered 429 from now on
        slack.fault("errors")                         # 500s and connection resets
        slack.fault("none")
        slack.messages()                              # what Slack received, with metadata

Faults are made by the proxy, in front of the stand-in's Web API:

- ``429``: every call is answered HTTP 429 with ``Retry-After`` (Slack did nothing);
- ``errors``: each call at random is answered HTTP 500 ``internal_error`` (Slack did nothing),
  has its connection reset before it reaches Slack, or reaches Slack and has its connection
  reset before the answer gets back: the message is posted and the caller never hears of it.

Everything listens on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import socket
import struct
import subprocess
import sys
import urllib.request
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from localslack import LocalSlackServer, RateLimitPolicy, Workspace
from localslack.clock import Clock

ROOT = Path(__file__).resolve().parents[1]
LOOPBACK = "127.0.0.1"
FAULTS = ("none", "429", "errors")


def owner_id(n: int) -> str:
    """The n-th KPI owner of the reminder seed (bench_reminders.seed)."""
    return f"U9{n:07d}"


def lead_id(n: int) -> str:
    """Team n's lead and KPI owner in bench_digests.seed."""
    return f"U{n:08d}"


def rate_limited_workspace(
    *,
    users: Iterable[str] = (),
    channels: Iterable[str] = (),
    tz: str = "America/New_York",
    policy: RateLimitPolicy | None = None,
    clock: Clock | None = None,
) -> tuple[Workspace, RateLimitPolicy]:
    """A workspace with these people (user ID = name) and channels (C... IDs, the bot in
    each), with Slack's documented limits switched on under ``policy``."""
    workspace = Workspace(clock=clock) if clock else Workspace()
    for n, channel in enumerate(channels):
        workspace.add_channel(channel, f"team-{n}", members=[])
    for user in users:
        workspace.add_user(user, user.lower(), tz=tz)
    policy = policy or RateLimitPolicy()
    workspace.enable_rate_limits(policy)
    return workspace, policy


def floor_seconds(workspace: Workspace, policy: RateLimitPolicy) -> float:
    """The least time the limits allow for the successful calls made: for each limit, the
    calls beyond its burst over its rate; the largest of those."""
    per_bucket: Counter[tuple[str, str]] = Counter()
    for call in workspace.calls:
        if call.status != 200 or call.method in ("upload", "response_url"):
            continue
        if call.method == "chat.postMessage":
            per_bucket[(call.method, str(call.params.get("channel")))] += 1
            per_bucket[(call.method, "*")] += 1
        else:
            per_bucket[(call.method, "")] += 1
    floor = 0.0
    for (method, channel), count in per_bucket.items():
        if method == "chat.postMessage" and channel != "*":
            capacity, rate = float(policy.message_burst), policy.messages_per_second
        elif method == "chat.postMessage":
            if not policy.workspace_messages_per_minute:
                continue
            rate = policy.workspace_messages_per_minute / 60.0
            capacity = max(1.0, rate * policy.burst_seconds)
        else:
            tier = policy.method_tiers.get(method, policy.default_tier)
            rate = policy.calls_per_minute[tier] / 60.0
            capacity = max(1.0, rate * policy.burst_seconds)
        floor = max(floor, (count - capacity) / rate)
    return floor


# --- the fault proxy (runs in the stand-in's process) ------------------------------------------


class FaultProxy:
    """HTTP/1.1 in front of the stand-in, one request per connection, faults on demand;
    ``/_chaos/...`` is its control API (faults, counts, what Slack received)."""

    def __init__(self, upstream_port: int, workspace: Workspace, seed: int) -> None:
        self.upstream_port, self.workspace = upstream_port, workspace
        self.mode, self.retry_after = "none", 5
        self.served: Counter[str] = Counter()
        self.random = random.Random(seed)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            length = _content_length(head)
            body = await reader.readexactly(length) if length else b""
            path = head.split(b" ", 2)[1].decode("latin-1")
            if path.startswith("/_chaos/"):
                await self._control(path, body, writer)
                return
            fault = self._pick()
            self.served[fault] += 1
            if fault == "429":
                answer = {"ok": False, "error": "ratelimited"}
                await _respond(writer, 429, answer, {"Retry-After": str(self.retry_after)})
            elif fault == "500":
                await _respond(writer, 500, {"ok": False, "error": "internal_error"})
            elif fault == "reset-before":
                _reset(writer)
            else:
                response = await self._forward(head, body)
                if fault == "reset-after":
                    _reset(writer)  # Slack acted; its answer never reaches the caller
                else:
                    writer.write(response)
                    await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        finally:
            if not writer.is_closing():
                writer.close()

    def _pick(self) -> str:
        if self.mode == "429":
            return "429"
        if self.mode == "errors":
            return self.random.choice(("500", "reset-before", "reset-after"))
        return "ok"

    async def _forward(self, head: bytes, body: bytes) -> bytes:
        up_reader, up_writer = await asyncio.open_connection(LOOPBACK, self.upstream_port)
        try:
            lines = [
                line
                for line in head.rstrip(b"\r\n").split(b"\r\n")
                if not line.lower().startswith(b"connection:")
            ]
            up_writer.write(b"\r\n".join([*lines, b"Connection: close"]) + b"\r\n\r\n" + body)
            await up_writer.drain()
            return await up_reader.read()  # to EOF: the stand-in closes after its answer
        finally:
            up_writer.close()

    async def _control(self, path: str, body: bytes, writer: asyncio.StreamWriter) -> None:
        if path == "/_chaos/fault":
            asked = json.loads(body or b"{}")
            self.mode = str(asked.get("mode", "none"))
            self.retry_after = int(asked.get("retry_after", self.retry_after))
            await _respond(writer, 200, {"ok": True, "mode": self.mode})
        elif path == "/_chaos/served":
            await _respond(writer, 200, dict(self.served))
        elif path == "/_chaos/messages":
            await _respond(writer, 200, {"messages": _received(self.workspace)})
        else:
            await _respond(writer, 404, {"ok": False, "error": "unknown_control"})


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip())
    return 0


async def _respond(
    writer: asyncio.StreamWriter,
    status: int,
    body: dict[str, Any],
    headers: dict[str, str] | None = None,
) -> None:
    data = json.dumps(body).encode()
    lines = [
        f"HTTP/1.1 {status} X",
        "Content-Type: application/json; charset=utf-8",
        f"Content-Length: {len(data)}",
        "Connection: close",
        *(f"{k}: {v}" for k, v in (headers or {}).items()),
    ]
    writer.write("\r\n".join(lines).encode() + b"\r\n\r\n" + data)
    await writer.drain()


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP RST (SO_LINGER 0), as a dropped connection looks to the caller."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


def _received(workspace: Workspace) -> list[dict[str, Any]]:
    """Every message the bot posted: channel, ts, thread and its delivery metadata."""
    out = []
    for channel in workspace.channels:
        for message in workspace.messages_in(channel.id):
            if message.bot_id is None:
                continue
            metadata = message.metadata or {}
            payload = metadata.get("event_payload") or {}
            out.append(
                {
                    "channel": channel.id,
                    "ts": message.ts,
                    "reply": message.is_reply,
                    "key": payload.get("key"),
                    "text": message.text[:80],
                }
            )
    return out


def serve(args: argparse.Namespace) -> None:
    """The stand-in's process: localslack on one port, the fault proxy on another."""
    users = [owner_id(n) for n in range(args.users)]
    leads = [lead_id(n) for n in range(args.channels)]  # bench_digests' team n: lead and owner
    channels = [f"C{n:08d}" for n in range(args.channels)]
    workspace, _ = rate_limited_workspace(users=[*users, *leads], channels=channels)
    slack = LocalSlackServer(workspace).start()

    async def main() -> None:
        proxy = FaultProxy(slack.port, workspace, args.seed)
        server = await asyncio.start_server(proxy.handle, LOOPBACK, 0, backlog=512)
        port = server.sockets[0].getsockname()[1]
        workspace.base_url = f"http://{LOOPBACK}:{port}"  # upload URLs go through the proxy
        print(json.dumps({"port": port, "token": workspace.bot_token}), flush=True)
        async with server:
            await server.serve_forever()

    try:
        asyncio.run(main())
    finally:
        slack.stop()


# --- the bench's handle on the stand-in's process ----------------------------------------------


def die_with_parent() -> None:
    """Run in a child before exec: SIGKILL it when the bench dies, however it dies (Linux)."""
    os.setsid()
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def kill_group(process: subprocess.Popen[Any]) -> None:
    """SIGKILL a child started with die_with_parent and everything it started."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)


class StandIn:
    """The stand-in in a process of its own: ``users`` owners (:func:`owner_id`) and ``channels``
    team channels ``C`` + 8 digits, each team's lead :func:`lead_id`."""

    def __init__(
        self,
        *,
        users: int,
        channels: int,
        seed: int = 1,
        log: Path | None = None,
    ) -> None:
        self.args = [
            sys.executable,
            "-m",
            "bench.standin",
            f"--users={users}",
            f"--channels={channels}",
            f"--seed={seed}",
        ]
        self.log = log
        self.process: subprocess.Popen[str] | None = None
        self.port, self.token = 0, ""

    @property
    def api_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}/api/"

    def start(self) -> Self:
        stderr = self.log.open("a") if self.log else subprocess.DEVNULL
        self.process = subprocess.Popen(
            self.args,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            preexec_fn=die_with_parent,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            self.stop()
            raise RuntimeError(f"the stand-in did not start (see {self.log})")
        started = json.loads(line)
        self.port, self.token = int(started["port"]), str(started["token"])
        return self

    def _control(self, name: str, body: dict[str, Any] | None = None) -> Any:
        request = urllib.request.Request(
            f"http://{LOOPBACK}:{self.port}/_chaos/{name}",
            data=json.dumps(body or {}).encode(),
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - loopback
            return json.loads(answer.read())

    def fault(self, mode: str, *, retry_after: int = 5) -> None:
        assert mode in FAULTS, mode
        self._control("fault", {"mode": mode, "retry_after": retry_after})

    def served(self) -> Counter[str]:
        return Counter(self._control("served"))

    def messages(self) -> list[dict[str, Any]]:
        return list(self._control("messages")["messages"])

    def stop(self) -> None:
        if self.process is not None:
            kill_group(self.process)
            if self.process.stdout is not None:
                self.process.stdout.close()
            self.process = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description="the Slack stand-in behind a fault proxy")
    parser.add_argument("--users", type=int, default=0)
    parser.add_argument("--channels", type=int, default=0)
    parser.add_argument("--seed", type=int, default=1)
    serve(parser.parse_args())


if __name__ == "__main__":
    main()
