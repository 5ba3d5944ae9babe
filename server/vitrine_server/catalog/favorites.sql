-- name: add_favorite
-- Add a favorite; adding it again keeps the first time. Returns its creation time.
WITH inserted AS (
  INSERT INTO favorites (user_id, product_id) VALUES ($1, $2)
  ON CONFLICT (user_id, product_id) DO NOTHING
  RETURNING created_at
)
SELECT created_at FROM inserted
UNION ALL
SELECT created_at FROM favorites WHERE user_id = $1 AND product_id = $2
LIMIT 1;

-- name: remove_favorite
-- Remove a favorite; returns whether there was one.
DELETE FROM favorites WHERE user_id = $1 AND product_id = $2 RETURNING product_id;

-- name: list_favorites
-- Keyset page of a user's favorites, newest first, after ($2 created_at, $3 product_id).
SELECT product_id, created_at
  FROM favorites
 WHERE user_id = $1
   AND ($2::timestamptz IS NULL OR (created_at, product_id) < ($2::timestamptz, $3::bigint))
 ORDER BY created_at DESC, product_id DESC
 LIMIT $4;

-- name: all_favorite_ids
-- Every product a user favorited (to rebuild the Redis set).
SELECT product_id FROM favorites WHERE user_id = $1;

-- name: favorites_among
-- Which of $2 the user favorited (when the Redis mirror cannot answer).
SELECT product_id FROM favorites WHERE user_id = $1 AND product_id = ANY($2::bigint[]);
