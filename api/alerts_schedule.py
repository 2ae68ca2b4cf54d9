"""Recording alerts on a schedule: one transaction per district; the API's background task
(`api.schedule`) runs `refresh_all` every `alerts_refresh_interval_s` (0 turns it off; it
never runs in the test environment). `relief alerts refresh` calls the same
`refresh_all` from cron.

Several server processes may each run the task: a refresh is safe to run concurrently
(see `alerts.service`), so they only repeat each other's work.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Engine

from alerts import service as alerts
from core.clock import utcnow
from core.db import session_scope
from core.settings import Settings
from inventory import service as inventory


def refresh_all(
    engine: Engine,
    settings: Settings,
    *,
    district_ids: Sequence[int] | None = None,
    now: datetime | None = None,
) -> list[alerts.Refreshed]:
    """Refresh the alerts of the given districts (default: all), each in its own
    transaction, so one district's failure does not hold back the record of another."""
    cfg = alerts.config(settings)
    if district_ids is None:
        with session_scope(engine) as session:
            district_ids = [d.id for d in inventory.list_districts(session) if d.id is not None]
    done = []
    for district_id in district_ids:
        with session_scope(engine) as session:
            done.append(alerts.refresh(session, district_id, now=now or utcnow(), cfg=cfg))
    return done


def scheduled(settings: Settings) -> bool:
    return settings.alerts_refresh_interval_s > 0 and settings.environment != "test"
