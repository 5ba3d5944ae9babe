-- name: count_products
SELECT count(*) FROM products;

-- name: reindex_batch
-- Rewrites the documents of the next batch of products by id (the
-- products_search_doc trigger recomputes them); returns the batch's last id,
-- NULL when none is left.
WITH batch AS (
  SELECT id FROM products WHERE id > $1::bigint ORDER BY id LIMIT $2::integer
), touched AS (
  UPDATE products p SET category_id = p.category_id
  FROM batch WHERE p.id = batch.id
  RETURNING p.id
)
SELECT max(id) FROM touched;

-- name: rebuild_dictionary
SELECT search_rebuild_dictionary();

-- name: server_version
SHOW server_version;
