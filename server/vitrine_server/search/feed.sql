-- name: read_log
-- The next rows of the log after the cursor ($1 tx, $2 id), in log order,
-- from the final part only: transactions below the oldest one still running
-- have all committed or aborted, so no row can appear there any more and a
-- cursor over it never skips one (migrations/0017_search_engine.up.sql).
SELECT tx, id, topic, aggregate_id
FROM outbox
WHERE (tx, id) > ($1::bigint, $2::bigint)
  AND tx < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
ORDER BY tx, id
LIMIT $3::integer;

-- name: start_position
-- Where a consumer that is about to read the tables whole starts following
-- the log: just before the oldest transaction still running. Every change
-- the reads might miss belongs to a transaction at or after it.
SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS tx, 0::bigint AS id;

-- name: head
-- The last row of the log visible now: a consumer at or past it has applied
-- every change committed before this statement began.
SELECT tx, id FROM outbox ORDER BY tx DESC, id DESC LIMIT 1;

-- name: horizon
-- Rows at or below this position have been pruned.
SELECT tx, id FROM outbox_horizon;

-- name: report_position
INSERT INTO outbox_consumers (name, tx, id) VALUES ($1, $2, $3)
ON CONFLICT (name) DO UPDATE SET tx = EXCLUDED.tx, id = EXCLUDED.id, updated_at = now();

-- name: consumer_lag
-- How many rows of the log lie past a consumer's position.
SELECT count(*) FROM outbox WHERE (tx, id) > ($1::bigint, $2::bigint);

-- name: try_prune_lock
-- One pruner at a time over every instance.
SELECT pg_try_advisory_xact_lock(7341802017);

-- name: prune_bound
-- The last position of the pruned prefix: the newest final row older than
-- the retention ($1 seconds). Everything at or below it in log order goes.
SELECT tx, id FROM outbox
WHERE created_at < now() - make_interval(secs => $1::double precision)
  AND tx < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
ORDER BY tx DESC, id DESC
LIMIT 1;

-- name: prune_rows
-- A slice of the pruned prefix (deleted in slices to keep transactions short).
WITH doomed AS (
  SELECT id FROM outbox
  WHERE (tx, id) <= ($1::bigint, $2::bigint)
  ORDER BY tx, id
  LIMIT $3::integer
)
DELETE FROM outbox o USING doomed d WHERE o.id = d.id;

-- name: advance_horizon
UPDATE outbox_horizon SET tx = $1, id = $2 WHERE (tx, id) < ($1::bigint, $2::bigint);
