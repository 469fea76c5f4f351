"""What the tests and the benchmarks share: the app served on loopback and the browser that drives it
(``appserver``), and a throwaway PostgreSQL cluster (``pg_cluster``).  The benchmarks (bench/) import
these; nothing here imports bench/ or pytest."""
