-- name: labels
-- Display names of facet values.
SELECT 'category' AS kind, id, name FROM categories WHERE id = ANY ($1::bigint[])
UNION ALL
SELECT 'store', id, name FROM stores WHERE id = ANY ($2::bigint[]);
