-- Price ingestion: idempotent batches, and exact change-point history that
-- stays right when observations arrive out of order.

-- One row per client batch id, claimed at the start of the batch's
-- transaction (a concurrent duplicate waits on the key, then replays), and
-- holding the serialized response so a retry answers exactly the same.
CREATE TABLE ingest_batches (
  batch_id    text PRIMARY KEY CHECK (length(batch_id) BETWEEN 1 AND 128),
  received_at timestamptz NOT NULL DEFAULT now(),
  response    bytea
);

-- Records one observation into price_points and returns 'changed' or
-- 'unchanged'. History is a sequence of change points per offer: the price
-- at instant T is the point with the greatest valid_from <= T. An
-- observation at T:
--   * equal to the point in effect at T: only extends its last_seen_at;
--   * different: starts a point at T. If the point in effect had been seen
--     after T, its price came back later: a point at that last sighting
--     records the return. If the next point holds the same price as T's,
--     it started earlier than known and is moved back to T.
CREATE FUNCTION record_price_observation(
  p_offer bigint, p_product bigint, p_at timestamptz, p_currency text,
  p_price bigint, p_original bigint, p_in_stock boolean
) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  prev price_points;
  nxt price_points;
  new_last timestamptz := p_at;
BEGIN
  SELECT * INTO prev FROM price_points
   WHERE offer_id = p_offer AND valid_from <= p_at
   ORDER BY valid_from DESC LIMIT 1;
  IF FOUND AND prev.price_minor = p_price AND prev.in_stock = p_in_stock
     AND prev.original_price_minor IS NOT DISTINCT FROM p_original THEN
    UPDATE price_points SET last_seen_at = greatest(last_seen_at, p_at)
     WHERE offer_id = p_offer AND valid_from = prev.valid_from;
    RETURN 'unchanged';
  END IF;

  IF FOUND AND prev.valid_from = p_at THEN
    -- Two reports of one instant disagree: the later report wins.
    DELETE FROM price_points WHERE offer_id = p_offer AND valid_from = p_at;
  ELSIF FOUND AND prev.last_seen_at > p_at THEN
    -- The earlier price was seen again after p_at: it came back.
    INSERT INTO price_points (offer_id, product_id, valid_from, last_seen_at, currency_code,
                              price_minor, original_price_minor, in_stock)
    VALUES (p_offer, prev.product_id, prev.last_seen_at, prev.last_seen_at, prev.currency_code,
            prev.price_minor, prev.original_price_minor, prev.in_stock)
    ON CONFLICT (offer_id, valid_from) DO NOTHING;
    UPDATE price_points SET last_seen_at = prev.valid_from
     WHERE offer_id = p_offer AND valid_from = prev.valid_from;
  END IF;

  SELECT * INTO nxt FROM price_points
   WHERE offer_id = p_offer AND valid_from > p_at
   ORDER BY valid_from LIMIT 1;
  IF FOUND AND nxt.price_minor = p_price AND nxt.in_stock = p_in_stock
     AND nxt.original_price_minor IS NOT DISTINCT FROM p_original THEN
    DELETE FROM price_points WHERE offer_id = p_offer AND valid_from = nxt.valid_from;
    new_last := nxt.last_seen_at;
  END IF;

  INSERT INTO price_points (offer_id, product_id, valid_from, last_seen_at, currency_code,
                            price_minor, original_price_minor, in_stock)
  VALUES (p_offer, p_product, p_at, new_last, p_currency, p_price, p_original, p_in_stock);
  RETURN 'changed';
END $$;

-- Records observations in the order given (callers sort them by offer and
-- time); returns one outcome per observation.
CREATE FUNCTION record_price_observations(
  p_offers bigint[], p_products bigint[], p_at timestamptz[], p_currency text[],
  p_price bigint[], p_original bigint[], p_in_stock boolean[]
) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
  outcomes text[] := '{}';
BEGIN
  FOR i IN 1 .. coalesce(array_length(p_offers, 1), 0) LOOP
    outcomes := outcomes || record_price_observation(
      p_offers[i], p_products[i], p_at[i], p_currency[i], p_price[i], p_original[i], p_in_stock[i]);
  END LOOP;
  RETURN outcomes;
END $$;
