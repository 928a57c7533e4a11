"""The password throttle's failed sign-in attempts, shared by every process and replica."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from dashboard.core.auth import Attempt, ThrottlePolicy
from dashboard.store.part import Part
from dashboard.store.tables import sign_in_failures


class SignInThrottle(Part):
    """Failed sign-in attempts per client, decided by :class:`ThrottlePolicy`."""

    def reserve_sign_in(self, client: str, policy: ThrottlePolicy, now: float) -> Attempt:
        """Decide ``client``'s sign-in attempt by ``policy`` and record it, atomically.

        The first statement writes the client's row (creating it if need be), which takes its
        row lock on PostgreSQL and the database's write lock on SQLite, so concurrent attempts
        by one client, from any process or replica, are decided one after another; a granted
        attempt is counted before the transaction ends, before any password is compared.
        """
        insert = (postgresql.insert if self.db.dialect == "postgresql" else sqlite.insert)(
            sign_in_failures
        )
        lock_row = (
            insert.values(client=client, failures=0, last_attempt=None)
            .on_conflict_do_update(
                index_elements=[sign_in_failures.c.client],
                set_={"failures": sign_in_failures.c.failures},
            )
            .returning(sign_in_failures.c.failures, sign_in_failures.c.last_attempt)
        )
        with self.db.write_own_rows() as conn:
            row = conn.execute(lock_row).one()
            attempt = policy.attempt(row.failures, row.last_attempt, now)
            if attempt.granted:
                conn.execute(
                    sa.update(sign_in_failures)
                    .where(sign_in_failures.c.client == client)
                    .values(failures=attempt.failures, last_attempt=now)
                )
        with self.db.write_own_rows() as conn:
            # Its own statement: a reservation only ever waits for its own client's row.
            conn.execute(
                sa.delete(sign_in_failures).where(
                    sign_in_failures.c.last_attempt < now - policy.forget_after
                )
            )
        return attempt

    def clear_sign_in(self, client: str) -> None:
        """Forget ``client``'s failed sign-in attempts (it signed in)."""
        with self.db.write_own_rows() as conn:
            conn.execute(sa.delete(sign_in_failures).where(sign_in_failures.c.client == client))
