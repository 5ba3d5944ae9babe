-- name: current_generation
-- The cache generation every process compares Redis's with (cache/aside.py).
SELECT generation FROM cache_state;

-- name: reconcile_lock
-- One reconcile at a time, across processes (until the transaction ends).
SELECT pg_advisory_xact_lock($1);

-- name: owed_keys
-- Keys whose deletion a write owes Redis (it was unreachable), up to generation $1.
SELECT key FROM cache_invalidations WHERE generation <= $1;

-- name: forget_owed
-- Owed keys deleted from Redis by a reconcile, up to generation $1.
DELETE FROM cache_invalidations WHERE generation <= $1;

-- name: record_invalidations
-- A write could not delete keys $1 from Redis: owe them, and bump the
-- generation so that no process trusts Redis until a reconcile deleted them.
WITH bumped AS (
  UPDATE cache_state SET generation = generation + 1 RETURNING generation
), owed AS (
  INSERT INTO cache_invalidations (key, generation)
  SELECT k, (SELECT generation FROM bumped) FROM unnest($1::text[]) AS k
  ON CONFLICT (key) DO UPDATE SET generation = EXCLUDED.generation
)
SELECT generation FROM bumped;
