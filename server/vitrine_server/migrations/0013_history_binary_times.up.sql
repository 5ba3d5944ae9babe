-- GetPriceHistory's column function, with the times as one bytea: each
-- change point's timestamptz_send() (big-endian microseconds since
-- 2000-01-01), concatenated. Turning each time into epoch microseconds with
-- float arithmetic cost PostgreSQL more than finding the rows (1.3 ms of
-- 4.5 ms for a year of hourly points); the server shifts the epoch instead.
-- Otherwise as offer_price_columns (0007), which it replaces.
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

DROP FUNCTION offer_price_columns(bigint, timestamptz, timestamptz);
