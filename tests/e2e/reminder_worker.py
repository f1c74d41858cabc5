"""A reminders run in a process of its own, for the tests that kill one mid-run.

    python -m tests.e2e.reminder_worker NOW [--die-after-posts N | --die-while-planning]

Settings come from the environment as for kpibot itself (DATABASE_URL, SLACK_API_URL,
SLACK_BOT_TOKEN). Dying is os._exit: no cleanup, no rollback, no lease released, as after a
kill -9 or a power cut.
"""

from __future__ import annotations

import argparse
import os
import threading
from dataclasses import replace
from datetime import datetime
from typing import Any

from bot.reminders.job import Hooks, ReminderJob, job_config
from bot.runtime import policy_from
from bot.settings import load_settings
from bot.slack_client import make_client
from storage.db import make_engine

KILLED = 137


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("now", type=datetime.fromisoformat)
    parser.add_argument("--die-after-posts", type=int, default=0)
    parser.add_argument("--die-while-planning", action="store_true")
    parser.add_argument("--worker", default="doomed")
    args = parser.parse_args()

    settings = load_settings(env_file=None)
    posts = 0
    lock = threading.Lock()

    def posted(_: Any) -> None:
        nonlocal posts
        with lock:
            posts += 1
            if posts >= args.die_after_posts:
                os._exit(KILLED)  # Slack has the message; the database never hears of it

    def planned(_: Any) -> None:
        os._exit(KILLED)  # the plan's transaction is never committed

    hooks = Hooks(
        posted=posted if args.die_after_posts else None,
        planned=planned if args.die_while_planning else None,
    )
    job = ReminderJob(
        make_engine(settings.database_url),
        make_client(settings, wait_out_rate_limits=False),
        policy_from(settings),
        config=replace(job_config(settings), workers=1),
        worker=args.worker,
        hooks=hooks,
    )
    print(job.run(args.now))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
