-- An offer's change points in [p_from, p_to) as columns (the point in
-- effect at p_from first, its time clamped to it), for GetPriceHistory.
-- PL/pgSQL keeps the plan between calls and plan_cache_mode = auto lets it
-- be a generic plan that prunes partitions at run time: planning this
-- against every price_points partition per call cost more than running it.
-- Rows come from the primary-key index already in time order, so the
-- aggregates need no sort; times are microseconds since the epoch.
CREATE FUNCTION offer_price_columns(
  p_offer bigint, p_from timestamptz, p_to timestamptz,
  OUT times bigint[], OUT prices bigint[], OUT originals bigint[], OUT stock boolean[]
) LANGUAGE plpgsql STABLE SET plan_cache_mode = auto AS $$
BEGIN
  SELECT coalesce(array_agg(round(date_part('epoch', s.at) * 1000000)::bigint), '{}'),
         coalesce(array_agg(s.price_minor), '{}'),
         coalesce(array_agg(coalesce(s.original_price_minor, 0)), '{}'),
         coalesce(array_agg(s.in_stock), '{}')
    INTO times, prices, originals, stock
    FROM ((SELECT p_from AS at, pp.price_minor, pp.original_price_minor, pp.in_stock
             FROM price_points pp
            WHERE pp.offer_id = p_offer AND pp.valid_from < p_from
            ORDER BY pp.valid_from DESC LIMIT 1)
          UNION ALL
          (SELECT pp.valid_from, pp.price_minor, pp.original_price_minor, pp.in_stock
             FROM price_points pp
            WHERE pp.offer_id = p_offer AND pp.valid_from >= p_from AND pp.valid_from < p_to
            ORDER BY pp.valid_from)) s;
END $$;
