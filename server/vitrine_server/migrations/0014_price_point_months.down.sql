DROP TRIGGER price_point_months_truncate ON price_points;
DROP TRIGGER price_point_months_delete ON price_points;
DROP TRIGGER price_point_months_update ON price_points;
DROP TRIGGER price_point_months_insert ON price_points;
DROP FUNCTION price_point_months_follow();
DROP FUNCTION refresh_price_point_months(bigint[], timestamptz[]);
DROP TABLE price_point_months;

CREATE FUNCTION offer_price_history(
  p_offer bigint, p_from timestamptz, p_to timestamptz,
  OUT times bytea, OUT prices bigint[], OUT originals bigint[], OUT stock boolean[]
) LANGUAGE plpgsql STABLE SET plan_cache_mode = auto AS $$
BEGIN
  SELECT coalesce(string_agg(timestamptz_send(s.at), ''::bytea), ''::bytea),
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
