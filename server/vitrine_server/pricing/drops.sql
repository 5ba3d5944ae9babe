-- name: list_price_drops
-- Keyset page of products whose best price fell by >= $1 bps since $2,
-- optionally within category $3 (descendants included) and best stores $4,
-- after ($5 drop_bps, $6 id). Uses the partial index products_drop_idx.
SELECT id, drop_bps, prev_best_price_minor, best_price_minor, best_price_changed_at
  FROM products
 WHERE drop_bps > 0 AND deleted_at IS NULL
   AND drop_bps >= $1
   AND best_price_changed_at >= $2
   AND ($3::bigint IS NULL OR category_id IN (SELECT id FROM categories WHERE path @> ARRAY[$3::bigint]))
   AND ($4::bigint[] IS NULL OR best_store_id = ANY($4::bigint[]))
   AND ($5::integer IS NULL OR (drop_bps, id) < ($5::integer, $6::bigint))
 ORDER BY drop_bps DESC, id DESC
 LIMIT $7;

-- name: list_drops_vs_average
-- As list_price_drops, against the 30-day average (products_drop_vs_avg_idx).
SELECT id, drop_vs_avg_bps AS drop_bps, avg_30d_price_minor AS prev_best_price_minor,
       best_price_minor, best_price_changed_at
  FROM products
 WHERE drop_vs_avg_bps > 0 AND deleted_at IS NULL
   AND drop_vs_avg_bps >= $1
   AND best_price_changed_at >= $2
   AND ($3::bigint IS NULL OR category_id IN (SELECT id FROM categories WHERE path @> ARRAY[$3::bigint]))
   AND ($4::bigint[] IS NULL OR best_store_id = ANY($4::bigint[]))
   AND ($5::integer IS NULL OR (drop_vs_avg_bps, id) < ($5::integer, $6::bigint))
 ORDER BY drop_vs_avg_bps DESC, id DESC
 LIMIT $7;
