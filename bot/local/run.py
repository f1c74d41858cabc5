"""`kpibot local`: kpibot and a local Slack workspace with a demo company, in the browser.

No Slack app and no tokens are needed: the local workspace stands in for Slack on 127.0.0.1
and kpibot talks to it exactly as it talks to Slack. Data goes to `kpibot-local.sqlite3` in the
current directory (or DATABASE_URL when it is set), is migrated, and is seeded with the demo
company when it has no teams yet. Runs until Ctrl-C.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import webbrowser
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from bot.local.stack import LocalStack
from bot.settings import Settings
from storage.db import make_engine, migrate

log = logging.getLogger(__name__)
LOCAL_DATABASE_URL = "sqlite:///kpibot-local.sqlite3"
DEFAULT_PORT = 3100


def database_url(settings: Settings) -> str:
    """DATABASE_URL when the operator set it, else the local workspace's own SQLite file."""
    return (
        settings.database_url if "database_url" in settings.model_fields_set else LOCAL_DATABASE_URL
    )


def forget(url: str) -> Path:
    """Delete a local SQLite database file (with its WAL files), to start from the demo again."""
    if not url.startswith("sqlite:///") or url in ("sqlite:///", "sqlite:///:memory:"):
        raise ValueError(
            "--fresh only deletes a SQLite database file; empty other databases yourself"
        )
    path = Path(url.removeprefix("sqlite:///"))
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    return path


def run_local(
    settings: Settings,
    *,
    port: int = DEFAULT_PORT,
    open_browser: bool = True,
    fresh: bool = False,
    stop: threading.Event | None = None,
) -> int:
    with _quiet_logging(settings):
        return _run(settings, port=port, open_browser=open_browser, fresh=fresh, stop=stop)


def _run(
    settings: Settings,
    *,
    port: int,
    open_browser: bool,
    fresh: bool,
    stop: threading.Event | None,
) -> int:
    url = database_url(settings)
    if fresh:
        print(f"Starting over: deleted {forget(url)}")
    engine = make_engine(url)
    before, after = migrate(engine)
    if before != after:
        print(f"Database {engine.url.render_as_string()} migrated to {after}.")
    stack = LocalStack(settings, engine, port=port)
    try:
        stack.start()
    except OSError as exc:  # the port is taken: any free one will do
        print(f"Port {port} is busy ({exc.strerror}); picking a free one.")
        stack = LocalStack(settings, engine, port=0).start()
    try:
        seeded = stack.seeded
        if seeded is not None and seeded.seeded:
            print(
                f"Seeded the demo company: {seeded.teams} teams, {seeded.kpis} KPIs, "
                f"{seeded.values} values of history."
            )
        print(f"\nkpibot local workspace: {stack.url}\n")
        print("Acting as a demo person in the browser; every click reaches kpibot as a signed")
        print("Slack request. Use the clock button to run scheduled work as of another time.")
        print("Press Ctrl-C to stop.")
        if open_browser:
            _open(stack.url)
        waiter = stop or threading.Event()
        with _sigterm_as_ctrl_c():
            while not waiter.wait(0.5):
                pass
    except KeyboardInterrupt:
        print("\nStopping.")
    finally:
        with _signals_ignored():  # a second Ctrl-C would cut the shutdown short
            stack.stop()
            engine.dispose()
    return 0


@contextmanager
def _quiet_logging(settings: Settings) -> Iterator[None]:
    """The terminal shows kpibot's own few lines and warnings: not a line per HTTP request
    (httpx) nor a page of migration steps (alembic). KPIBOT_LOG_LEVEL set explicitly wins."""
    root = logging.getLogger()
    previous = root.level
    if "log_level" not in settings.model_fields_set:
        root.setLevel(logging.WARNING)
    try:
        yield
    finally:
        root.setLevel(previous)


@contextmanager
def _sigterm_as_ctrl_c() -> Iterator[None]:
    """`kill PID` (SIGTERM) stops `kpibot local` as Ctrl-C does, workers included. Signal
    handlers can only be set from the main thread (tests run this in another)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextmanager
def _signals_ignored() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _open(url: str) -> None:
    """Open the page in a browser where there is a desktop to show it on.

    Without one (a server, a container, SSH) Python would fall back to a text browser such as
    lynx, which would take over this terminal; then the address printed above is enough."""
    desktop = sys.platform in ("darwin", "win32") or any(
        os.environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER")
    )
    opened = False
    if desktop:
        try:
            opened = webbrowser.open(url, new=2)
        except Exception as exc:  # a broken BROWSER setting, ...
            log.debug("could not open a browser: %s", exc)
    if not opened:
        print("(No browser to open here: open the address above yourself.)")
