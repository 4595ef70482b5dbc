"""Live updates of the challenge queue (issue 11 item 2: another operator's claim or
resolution shows within 2 seconds, with no manual refresh).

A front end runs :meth:`ChallengeWatcher.wait` in a worker thread, in a loop, and reloads the
queue whenever it returns True.

- PostgreSQL: a dedicated psycopg connection (autocommit) ``LISTEN lrs_challenges``; every
  change the challenge service makes sends ``pg_notify('lrs_challenges', reference)`` inside
  its own transaction, so the notification arrives when (and only if) the change commits.
- SQLite (no notifications across processes): every ``poll_seconds`` (0.5 s) the watcher reads
  ``count(*)``, ``max(updated_at)`` and ``sum(row_version)`` of the challenges in one read-only
  query; any change to any challenge bumps its row version, so the triple moves.

The watcher reads nothing personal and writes nothing, so it is not audited; what the front
end then shows is read through :class:`~lrs_core.services.challenges.ChallengeService`, which
checks the operator and audits the look.
"""

from __future__ import annotations

import threading
import time
from types import TracebackType
from typing import Any

import psycopg
from sqlalchemy import func, select

from lrs_core.db.database import Database
from lrs_core.db.models import DataChallenge
from lrs_core.errors import ConfigurationError
from lrs_core.services.challenges import NOTIFY_CHANNEL

POLL_SECONDS = 0.5


class ChallengeWatcher:
    """Blocks until a data challenge changes (or a timeout passes). One per worker thread."""

    def __init__(self, db: Database, *, poll_seconds: float = POLL_SECONDS) -> None:
        self.db = db
        self.poll_seconds = poll_seconds
        self._closed = threading.Event()
        self._listener: psycopg.Connection[Any] | None = None
        self._seen: tuple[object, ...] | None = None
        if db.is_sqlite:
            self._seen = self._state()
        else:
            self._listener = self._listen()

    # -- the one call a worker makes -------------------------------------------------------

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds; True as soon as a challenge has changed since the
        watcher started or last returned True (several changes at once wake it once)."""
        if self._closed.is_set():
            return False
        if self.db.is_sqlite:
            return self._poll(timeout)
        return self._notified(timeout)

    def close(self) -> None:
        self._closed.set()
        if self._listener is not None:
            self._listener.close()
            self._listener = None

    def __enter__(self) -> ChallengeWatcher:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    # -- PostgreSQL ------------------------------------------------------------------------

    def _listen(self) -> psycopg.Connection[Any]:
        conninfo = self.db.url.set(drivername="postgresql").render_as_string(hide_password=False)
        try:
            connection = psycopg.connect(conninfo, autocommit=True, connect_timeout=5)
        except psycopg.OperationalError as exc:
            raise ConfigurationError(
                f"cannot listen for challenge changes at {self.db.display_url}: {exc}"
            ) from None
        connection.execute(f"LISTEN {NOTIFY_CHANNEL}")
        return connection

    def _notified(self, timeout: float) -> bool:
        try:
            if self._listener is None:
                # The connection was lost: listen again, and report a change, since any
                # notification sent meanwhile was missed.
                self._listener = self._listen()
                return True
            woke = any(True for _ in self._listener.notifies(timeout=timeout, stop_after=1))
            if woke:
                # Take whatever else arrived with it, so one burst wakes the worker once (a
                # second generator only once the first has ended: each holds the
                # connection's lock).
                for _ in self._listener.notifies(timeout=0.05):
                    pass
            return woke
        except psycopg.OperationalError:
            if self._closed.is_set():
                return False
            if self._listener is not None:
                self._listener.close()
            self._listener = None
            return True

    # -- SQLite ----------------------------------------------------------------------------

    def _state(self) -> tuple[object, ...]:
        with self.db.transaction(read_only=True) as session:
            found = session.execute(
                select(
                    func.count(),
                    func.max(DataChallenge.updated_at),
                    func.sum(DataChallenge.row_version),
                )
            ).one()
        return tuple(found)

    def _poll(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            state = self._state()
            if state != self._seen:
                self._seen = state
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            if self._closed.wait(min(self.poll_seconds, remaining)):
                return False
