"""Formula KPIs kept current: when a value is stored, the formula KPIs that read it are worked
out again for that period (commands.formulas), and their new values announced in turn so the
reminders and digests that show them update too."""

from __future__ import annotations

from collections.abc import Sequence

from bot.events import ValueStored
from bot.runtime import Runtime
from commands import formulas
from storage.db import session_scope


def subscribe(rt: Runtime) -> None:
    """At once, in the publishing thread: `/kpi show` right after `/kpi log won 12` should
    already show the new win rate."""

    def values_stored(events: Sequence[ValueStored]) -> None:
        for event in events:
            if event.source == formulas.SOURCE:  # recompute already followed the whole chain
                continue
            with session_scope(rt.engine) as session:
                computed = formulas.recompute(
                    session, event.kpi_key, event.period_key, now=rt.now()
                )
            for value in computed:
                rt.events.publish(
                    ValueStored(value.kpi_key, value.period_key, source=formulas.SOURCE)
                )

    rt.events.subscribe(values_stored)
