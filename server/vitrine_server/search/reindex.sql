-- name: count_products
SELECT count(*) FROM products;

-- name: reindex_batch
-- Recomputes the search rows of the next batch of products by id, whole;
-- returns the batch's last id, NULL when none is left.
WITH batch AS (
  SELECT id FROM products WHERE id > $1::bigint ORDER BY id LIMIT $2::integer
), fresh AS (
  INSERT INTO product_search (product_id, doc, rank_doc, brand, category_id, store_ids,
                              price_minor, in_stock, rating, review_count, discount_bps,
                              created_at, live)
  SELECT p.id, r.doc || search_field(p.description, 'D'), r.doc, p.brand, p.category_id,
         ARRAY(SELECT DISTINCT o.store_id FROM offers o WHERE o.product_id = p.id ORDER BY 1),
         p.best_price_minor, p.best_in_stock, p.rating, p.review_count, p.discount_bps,
         p.created_at, p.deleted_at IS NULL
  FROM products p JOIN batch ON batch.id = p.id,
       product_search_rank_doc(p.name, p.brand, p.category_id) AS r(doc)
  ON CONFLICT (product_id) DO UPDATE
  SET doc = EXCLUDED.doc, rank_doc = EXCLUDED.rank_doc, brand = EXCLUDED.brand, category_id = EXCLUDED.category_id,
      store_ids = EXCLUDED.store_ids, price_minor = EXCLUDED.price_minor,
      in_stock = EXCLUDED.in_stock, rating = EXCLUDED.rating,
      review_count = EXCLUDED.review_count, discount_bps = EXCLUDED.discount_bps,
      created_at = EXCLUDED.created_at, live = EXCLUDED.live
  RETURNING product_id
)
SELECT max(product_id) FROM fresh;

-- name: rebuild_dictionary
SELECT search_rebuild_dictionary();

-- name: server_version
SHOW server_version;
