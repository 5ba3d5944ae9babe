-- name: create_category
-- A category under $1 (NULL for a root); the trigger fills its path.
INSERT INTO categories (parent_id, slug, name) VALUES ($1, $2, $3)
RETURNING id, parent_id, slug, name, path, created_at;

-- name: get_category
-- One category.
SELECT id, parent_id, slug, name, path, created_at FROM categories WHERE id = $1;

-- name: list_categories
-- Every category (or those below $1, itself included), parents before children.
SELECT id, parent_id, slug, name, path, created_at
  FROM categories
 WHERE $1::bigint IS NULL OR path @> ARRAY[$1::bigint]
 ORDER BY array_length(path, 1), name, id;
