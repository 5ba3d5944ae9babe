-- name: try_indexer_lock
-- One indexer at a time across every instance; a full reindex holds the same
-- lock for its whole run, so drains wait for the swap.
SELECT pg_try_advisory_xact_lock(7341802001);

-- name: indexer_lock
SELECT pg_advisory_lock(7341802001);
