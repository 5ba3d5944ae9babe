-- name: product_documents
-- The documents of the given products; deleted ones and ids that no longer
-- exist come back as not live, so the indexer deletes them.
SELECT p.id, p.slug, p.name, p.brand, p.description, p.category_id,
       c.path AS category_path, category_search_text(p.category_id) AS category_names,
       p.image_url, p.rating, p.review_count, p.currency_code, p.best_price_minor,
       p.best_store_id, p.best_in_stock, p.discount_bps,
       extract(epoch FROM p.created_at)::bigint AS created,
       p.deleted_at IS NULL AS live, coalesce(s.store_ids, '{}') AS store_ids
FROM products p
JOIN categories c ON c.id = p.category_id
LEFT JOIN product_search s ON s.product_id = p.id
WHERE p.id = ANY ($1::bigint[]);

-- name: live_product_ids
-- Keyset pages of the ids of live products, for a full reindex.
SELECT id FROM products WHERE deleted_at IS NULL AND id > $1::bigint ORDER BY id LIMIT $2::integer;

-- name: count_live_products
SELECT count(*) FROM products WHERE deleted_at IS NULL;

-- name: labels
-- Display names of facet values.
SELECT 'category' AS kind, id, name FROM categories WHERE id = ANY ($1::bigint[])
UNION ALL
SELECT 'store', id, name FROM stores WHERE id = ANY ($2::bigint[]);
