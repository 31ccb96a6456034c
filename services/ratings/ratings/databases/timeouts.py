"""How long ratings v2 waits for its database.

Its callers give up soon: reviews v3 waits 2.5 s for ratings. So the database gets a
short time to accept a connection and a bounded time per statement, and a request
meets a dead or hung database with the contract's error body after a few seconds at
most -- never a hang.
"""
CONNECT_TIMEOUT_SECONDS = 1.0
"""TCP connect to the database (MySQL's greeting counts as a statement below)."""

QUERY_TIMEOUT_SECONDS = 2.0
"""One round trip: a statement, a ping, MySQL's handshake, a MongoDB command."""

SERVER_SELECTION_TIMEOUT_SECONDS = 1.5
"""pymongo: how long a request waits for a reachable server before failing."""

HEALTH_CHECK_TIMEOUT_SECONDS = 0.5
"""``/health``'s look at the database, well inside a probe's default 1 s timeout."""

POOL_SIZE = 8
"""MySQL connections per ratings process; more threads queue for at most a query timeout."""
