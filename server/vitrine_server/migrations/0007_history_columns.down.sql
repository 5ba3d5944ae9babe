DROP FUNCTION offer_price_columns(bigint, timestamptz, timestamptz);
