-- name: enable_outbox
-- From now on, writes of products and offers record the products they touch.
UPDATE search_index_state SET outbox_enabled = true WHERE NOT outbox_enabled;

-- name: try_indexer_lock
-- One indexer at a time across every instance; a full reindex holds the same
-- lock for its whole run, so drains wait for the swap.
SELECT pg_try_advisory_xact_lock(7341802001);

-- name: indexer_lock
SELECT pg_advisory_lock(7341802001);

-- name: indexer_unlock
SELECT pg_advisory_unlock(7341802001);

-- name: pending_products
-- The oldest unindexed changes. Any pending row is taken, whatever its id,
-- so a transaction that commits late is not skipped.
SELECT id, aggregate_id FROM outbox
WHERE topic = 'search.product' AND processed_at IS NULL
ORDER BY id
LIMIT $1::integer;

-- name: delete_outbox_rows
-- The outbox only holds work still to do.
DELETE FROM outbox WHERE id = ANY ($1::bigint[]);

-- name: pending_count
SELECT count(*) FROM outbox WHERE topic = 'search.product' AND processed_at IS NULL;
