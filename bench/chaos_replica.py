"""One kpibot replica for bench_chaos: the scheduled jobs in a loop, as `kpibot serve` runs them.

    python -m bench.chaos_replica --shift SECONDS

Runs reminders, digests and reviews each in its own thread, as `kpibot serve`'s scheduler does
(bot.jobs.registry: the entry points `kpibot jobs run` and the scheduler call), each again and
again until the process is killed, on one Runtime
for its whole life: a job that fails (the database is gone, Slack answers nonsense) is logged
and the loop goes on, as the scheduler's tick does, so recovering needs no restart. Its clock
is the real one moved back by ``--shift`` seconds, the same shift in every replica, so leases
compare across processes as they would in production while the work is due on a chosen Monday.
Settings come from the environment (DATABASE_URL, SLACK_API_URL, SLACK_BOT_TOKEN, ...).
"""

from __future__ import annotations

import argparse
import logging
import threading
import time
from datetime import UTC, datetime, timedelta

from bot.jobs import Job, registry
from bot.runtime import Runtime
from bot.settings import load_settings
from bot.slack_client import make_client
from storage.db import make_engine

log = logging.getLogger("chaos_replica")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shift", type=float, required=True, help="seconds behind real time")
    parser.add_argument("--pause", type=float, default=0.5, help="seconds between loops")
    args = parser.parse_args()
    settings = load_settings(env_file=None)
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s",
    )
    shift = timedelta(seconds=args.shift)
    runtime = Runtime(
        settings,
        make_engine(settings.database_url),
        make_client(settings),
        clock=lambda: datetime.now(UTC) - shift,
    )
    jobs = registry()
    threads = [
        threading.Thread(target=loop, args=(name, jobs[name], runtime, args.pause), name=name)
        for name in ("reminders", "digests", "reviews")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def loop(name: str, job: Job, runtime: Runtime, pause: float) -> None:
    """One job again and again, as the scheduler's tick runs it: a failure is logged."""
    while True:
        try:
            report = job(runtime, runtime.now())
        except Exception:
            log.exception("job %s failed; the loop goes on", name)
        else:
            log.info("%s: %s", name, " / ".join(str(report).splitlines()))
        time.sleep(pause)


if __name__ == "__main__":
    main()
