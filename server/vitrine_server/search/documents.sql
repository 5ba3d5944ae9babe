-- name: product_documents
-- What a search index holds of the given products: the fields searches
-- match, filter, sort and facet on, and what a hit shows. Deleted products
-- and ids that no longer exist come back as not live (or not at all), so an
-- index drops them.
SELECT p.id, p.slug, p.name, p.brand, p.description, p.category_id,
       c.path AS category_path,
       (SELECT coalesce(string_agg(a.name, ' ' ORDER BY cardinality(a.path)), '')
        FROM categories a WHERE a.id = ANY (c.path)) AS category_names,
       p.image_url, p.rating, p.review_count, p.currency_code, p.best_price_minor,
       p.best_store_id, p.best_in_stock, p.discount_bps,
       (extract(epoch FROM p.created_at) * 1000000)::bigint AS created_us,
       extract(epoch FROM p.created_at)::bigint AS created,
       p.deleted_at IS NULL AS live,
       ARRAY(SELECT DISTINCT o.store_id FROM offers o WHERE o.product_id = p.id
             ORDER BY 1) AS store_ids
FROM products p
JOIN categories c ON c.id = p.category_id
WHERE p.id = ANY ($1::bigint[]);

-- name: live_product_ids
-- Keyset pages of the ids of live products (MeiliSearch's full build).
SELECT id FROM products WHERE deleted_at IS NULL AND id > $1::bigint ORDER BY id LIMIT $2::integer;

-- name: all_product_documents
-- Every live product's document (as product_documents), for a full build:
-- read through one cursor, each table once. The category names are made
-- once per category and the store ids aggregated over offers in one pass,
-- where product_documents runs both subqueries for every product (2.2 s
-- for 100,000 products read in pages of ids; 0.4 s this way).
WITH names AS MATERIALIZED (
    SELECT c.id, c.path,
           (SELECT coalesce(string_agg(a.name, ' ' ORDER BY cardinality(a.path)), '')
            FROM categories a WHERE a.id = ANY (c.path)) AS category_names
    FROM categories c
), sold AS (
    SELECT product_id, array_agg(DISTINCT store_id ORDER BY store_id) AS store_ids
    FROM offers
    GROUP BY product_id
)
SELECT p.id, p.slug, p.name, p.brand, p.description, p.category_id,
       n.path AS category_path, n.category_names,
       p.image_url, p.rating, p.review_count, p.currency_code, p.best_price_minor,
       p.best_store_id, p.best_in_stock, p.discount_bps,
       (extract(epoch FROM p.created_at) * 1000000)::bigint AS created_us,
       true AS live,
       coalesce(s.store_ids, '{}'::bigint[]) AS store_ids
FROM products p
JOIN names n ON n.id = p.category_id
LEFT JOIN sold s ON s.product_id = p.id
WHERE p.deleted_at IS NULL;

-- name: count_live_products
SELECT count(*) FROM products WHERE deleted_at IS NULL;

-- name: products_below_categories
-- Products in the given categories or below them (their documents carry the
-- names and path of every category above them).
SELECT p.id FROM products p
WHERE p.category_id IN (SELECT id FROM categories WHERE path && $1::bigint[]);

-- name: category_labels
SELECT id, name FROM categories WHERE id = ANY ($1::bigint[]);

-- name: store_labels
SELECT id, name FROM stores WHERE id = ANY ($1::bigint[]);

-- name: all_category_labels
SELECT id, name FROM categories;

-- name: all_store_labels
SELECT id, name FROM stores;

-- name: database_identity
-- Which database an index was built from: the cluster and the database's
-- oid (a clone, a restore or a new database gets another one).
SELECT (SELECT system_identifier FROM pg_control_system())::text || '-'
       || (SELECT oid FROM pg_database WHERE datname = current_database())::text;
