-- name: current_snapshot
-- What this statement sees: the transactions that had committed when it began.
SELECT pg_current_snapshot()::text;

-- name: read_between
-- The rows of the transactions that committed between two snapshots ($1
-- applied, $2 target: visible in the target, not in the applied one), in
-- log order after ($3 tx, $4 id), which the caller puts at or past
-- (xmin of $1, 0): no row below it can qualify. That row bound is the one
-- lower bound the (tx, id) index scan starts from. Beside a scalar
-- `tx >= xmin` the btree started from the row bound alone, at (0, 0) on a
-- fresh read, and walked every row of the log (24 hours of it) on every poll.
SELECT tx, id, topic, aggregate_id
FROM outbox
WHERE (tx, id) > ($3::bigint, $4::bigint)
  AND tx < pg_snapshot_xmax($2::text::pg_snapshot)::text::bigint
  AND pg_visible_in_snapshot(tx::text::xid8, $2::text::pg_snapshot)
  AND NOT pg_visible_in_snapshot(tx::text::xid8, $1::text::pg_snapshot)
ORDER BY tx, id
LIMIT $5::integer;

-- name: missing
-- How many rows committed now the snapshot $1 does not see.
SELECT count(*)
FROM outbox
WHERE tx >= pg_snapshot_xmin($1::text::pg_snapshot)::text::bigint
  AND NOT pg_visible_in_snapshot(tx::text::xid8, $1::text::pg_snapshot);

-- name: horizon
-- Rows of transactions below this may have been pruned.
SELECT tx FROM outbox_horizon;

-- name: report_position
INSERT INTO outbox_consumers (name, position) VALUES ($1, $2::jsonb)
ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, updated_at = now();

-- name: consumer_position
SELECT position FROM outbox_consumers WHERE name = $1;

-- name: try_prune_lock
-- One pruner at a time over every instance.
SELECT pg_try_advisory_xact_lock(7341802017);

-- name: prune_bound
-- Where the pruned prefix ends: just past the newest transaction with rows
-- older than the retention ($1 seconds) among the oldest $2 rows in log
-- order (rows are written in roughly that order: the next run goes on), and
-- never at or past a transaction still running. NULL when none is that old.
SELECT CASE WHEN max(tx) IS NOT NULL
            THEN least(max(tx) + 1, pg_snapshot_xmin(pg_current_snapshot())::text::bigint)
       END
FROM (SELECT tx, created_at FROM outbox ORDER BY tx, id LIMIT $2::integer) oldest
WHERE created_at < now() - make_interval(secs => $1::double precision);

-- name: advance_horizon
UPDATE outbox_horizon SET tx = $1 WHERE tx < $1;

-- name: prune_rows
-- A slice of the pruned prefix (deleted in slices to keep transactions short).
WITH doomed AS (
  SELECT id FROM outbox WHERE tx < $1::bigint ORDER BY tx, id LIMIT $2::integer
)
DELETE FROM outbox o USING doomed d WHERE o.id = d.id;
