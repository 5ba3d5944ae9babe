"""Prometheus metrics: per-RPC latency and status codes (rpc.py, a call
hook), pool, Redis and PostgreSQL gauges and exported counts (process.py),
the /metrics endpoint (endpoint.py) and the multi-worker aggregation
(multiprocess.py). docs/operations.md ("Metrics") lists every metric."""
