"""The throwaway PostgreSQL cluster of the store tests: tests/support/pg_cluster.py's (shared with the load
test, which runs as a plain script and must not depend on the test suite)."""
from tests.support.pg_cluster import PostgresCluster, PostgresUnavailable, server_bin_dir, start_cluster  # noqa: F401
