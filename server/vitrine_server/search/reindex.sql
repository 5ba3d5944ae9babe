-- name: count_products
SELECT count(*) FROM products;

-- name: reindex_batch
-- Recomputes the search rows of the next batch of products by id, whole
-- (refresh_product_search in migrations/0009_search.up.sql); returns the
-- batch's last id, NULL when none is left.
SELECT max(id)
FROM refresh_product_search(
  ARRAY(SELECT id FROM products WHERE id > $1::bigint ORDER BY id LIMIT $2::integer)
) AS refreshed(id);

-- name: rebuild_dictionary
SELECT search_rebuild_dictionary();

-- name: server_version
SHOW server_version;
