-- name: claim_batch
-- Claim a batch id for this transaction; NULL when it was recorded before
-- (a concurrent duplicate waits here until the first one commits).
INSERT INTO ingest_batches (batch_id) VALUES ($1)
ON CONFLICT (batch_id) DO NOTHING
RETURNING true;

-- name: batch_response
-- The serialized response of a batch recorded before.
SELECT response FROM ingest_batches WHERE batch_id = $1;

-- name: save_batch_response
-- Keep the response, so that a replay answers exactly the same.
UPDATE ingest_batches SET response = $2 WHERE batch_id = $1;

-- name: resolve_offers
-- For each input position: the offer (by id, or by store + external id)
-- with its product and currency, locked for this batch in id order.
WITH input AS (
  SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[]) WITH ORDINALITY
         AS i (offer_id, store_id, external_id, ord)
), wanted AS (
  SELECT i.ord, o.id, o.product_id, o.currency_code
    FROM input i JOIN offers o ON o.id = i.offer_id
   WHERE i.offer_id > 0
  UNION ALL
  SELECT i.ord, o.id, o.product_id, o.currency_code
    FROM input i JOIN offers o ON o.store_id = i.store_id AND o.external_id = i.external_id
   WHERE i.offer_id = 0
), locked AS (
  -- NO KEY UPDATE, not UPDATE: the products_best_offer_fk check of another
  -- batch needs KEY SHARE on these rows, and blocking it deadlocked writers.
  SELECT id FROM offers WHERE id IN (SELECT id FROM wanted) ORDER BY id FOR NO KEY UPDATE
)
SELECT w.ord, w.id, w.product_id, w.currency_code
  FROM wanted w
 WHERE w.id IN (SELECT id FROM locked);

-- name: record_observations
-- Record a batch's observations ($1 their positions in the request; any
-- order, duplicates and late ones included) into the change-point history
-- of their offers, set-based: per offer, the stored points around the
-- batch and the observations become one time-ordered list of sightings,
-- runs of equal prices in it become the change points, and only the
-- difference is written (a new point, a moved last_seen_at, a point that
-- now starts earlier, a point split by a late different price). Then each
-- offer's current price. Returns each observation with whether it changed
-- the price in effect at its time.
WITH obs AS (
  SELECT * FROM unnest($1::integer[], $2::bigint[], $3::bigint[], $4::timestamptz[], $5::text[],
                       $6::bigint[], $7::bigint[], $8::boolean[])
         AS o (ord, offer_id, product_id, at, currency_code, price_minor, original_price_minor,
               in_stock)
), span AS (
  SELECT b.*, o.price_since
    FROM (SELECT offer_id, min(at) AS lo, max(at) AS hi, min(product_id) AS product_id,
                 min(currency_code) AS currency_code
            FROM obs GROUP BY offer_id) b
    JOIN offers o ON o.id = b.offer_id
), stored AS (
  -- The stored points the batch can change, per offer: the last one
  -- before its first observation (a point at that instant may be replaced
  -- and merge into it), the ones up to its last, and the next one (`later`:
  -- it starts earlier than known if the last observation matches it).
  SELECT p.*, false AS later FROM span s CROSS JOIN LATERAL (
    SELECT offer_id, valid_from, last_seen_at, price_minor, original_price_minor, in_stock
      FROM price_points WHERE offer_id = s.offer_id AND valid_from < s.lo
     ORDER BY valid_from DESC LIMIT 1) p
  UNION ALL
  SELECT p.*, false FROM span s CROSS JOIN LATERAL (
    SELECT offer_id, valid_from, last_seen_at, price_minor, original_price_minor, in_stock
      FROM price_points WHERE offer_id = s.offer_id AND valid_from >= s.lo AND valid_from <= s.hi
    OFFSET 0) p  -- OFFSET 0: one index range per offer, not a join over every partition
  UNION ALL
  SELECT p.*, true FROM span s CROSS JOIN LATERAL (
    SELECT offer_id, valid_from, last_seen_at, price_minor, original_price_minor, in_stock
      FROM price_points WHERE offer_id = s.offer_id AND valid_from > s.hi
     ORDER BY valid_from LIMIT 1) p
), sightings AS (
  -- Every instant the batch's window knows a price at: each stored point's
  -- first and last sighting, and the observations. At one instant a stored
  -- point's start beats a last sighting, an observation beats both, and the
  -- later of two observations beats the earlier.
  SELECT offer_id, valid_from AS at, 1 AS rank, price_minor, original_price_minor, in_stock,
         NULL::integer AS ord
    FROM stored
  UNION ALL
  SELECT offer_id, last_seen_at, 0, price_minor, original_price_minor, in_stock, NULL
    FROM stored WHERE last_seen_at > valid_from
  UNION ALL
  SELECT offer_id, at, 2 + ord, price_minor, original_price_minor, in_stock, ord FROM obs
), ordered AS (
  SELECT s.*,
         -- Changed: the price in effect just before (in time, then batch
         -- order) differs, or there was none.
         (price_minor, original_price_minor, in_stock) IS DISTINCT FROM
         (lag(price_minor) OVER w, lag(original_price_minor) OVER w, lag(in_stock) OVER w)
           AS changed,
         lead(at) OVER w IS DISTINCT FROM at AS wins
    FROM sightings s
  WINDOW w AS (PARTITION BY offer_id ORDER BY at, rank)
), runs AS (
  SELECT *, sum(starts::integer) OVER (PARTITION BY offer_id ORDER BY at) AS run
    FROM (SELECT offer_id, at, price_minor, original_price_minor, in_stock,
                 (price_minor, original_price_minor, in_stock) IS DISTINCT FROM
                 (lag(price_minor) OVER v, lag(original_price_minor) OVER v,
                  lag(in_stock) OVER v) AS starts
            FROM ordered WHERE wins
          WINDOW v AS (PARTITION BY offer_id ORDER BY at)) w
), fresh AS (
  -- The window's change points after the batch: one per run of equal prices.
  SELECT DISTINCT ON (offer_id, run)
         offer_id, at AS valid_from, max(at) OVER (PARTITION BY offer_id, run) AS last_seen_at,
         price_minor, original_price_minor, in_stock
    FROM runs
   ORDER BY offer_id, run, at
), diff AS (
  -- What to write, as arrays: unnested below they plan as a few probes of
  -- the key per row (the planner cannot tell how few rows the CTEs hold,
  -- and would rather hash every partition of price_points).
  SELECT (SELECT coalesce(array_agg(s.offer_id), '{}') FROM stored s
           WHERE NOT EXISTS (SELECT FROM fresh f
                              WHERE f.offer_id = s.offer_id AND f.valid_from = s.valid_from))
           AS gone_offer,
         (SELECT coalesce(array_agg(s.valid_from), '{}') FROM stored s
           WHERE NOT EXISTS (SELECT FROM fresh f
                              WHERE f.offer_id = s.offer_id AND f.valid_from = s.valid_from))
           AS gone_at
), removed AS (
  DELETE FROM price_points p
   USING diff, unnest(diff.gone_offer, diff.gone_at) AS g (offer_id, valid_from)
   WHERE p.offer_id = g.offer_id AND p.valid_from = g.valid_from
), moved AS (
  SELECT array_agg(f.offer_id) AS offer_id, array_agg(f.valid_from) AS valid_from,
         array_agg(f.last_seen_at) AS last_seen_at, array_agg(f.price_minor) AS price_minor,
         array_agg(f.original_price_minor) AS original_price_minor,
         array_agg(f.in_stock) AS in_stock
    FROM fresh f JOIN stored s ON s.offer_id = f.offer_id AND s.valid_from = f.valid_from
   WHERE (s.last_seen_at, s.price_minor, s.original_price_minor, s.in_stock)
         IS DISTINCT FROM (f.last_seen_at, f.price_minor, f.original_price_minor, f.in_stock)
), kept AS (
  UPDATE price_points p
     SET last_seen_at = m.last_seen_at, price_minor = m.price_minor,
         original_price_minor = m.original_price_minor, in_stock = m.in_stock
    FROM moved, unnest(moved.offer_id, moved.valid_from, moved.last_seen_at, moved.price_minor,
                       moved.original_price_minor, moved.in_stock)
         AS m (offer_id, valid_from, last_seen_at, price_minor, original_price_minor, in_stock)
   WHERE p.offer_id = m.offer_id AND p.valid_from = m.valid_from
), added AS (
  INSERT INTO price_points (offer_id, product_id, valid_from, last_seen_at, currency_code,
                            price_minor, original_price_minor, in_stock)
  SELECT f.offer_id, sp.product_id, f.valid_from, f.last_seen_at, sp.currency_code,
         f.price_minor, f.original_price_minor, f.in_stock
    FROM fresh f JOIN span sp ON sp.offer_id = f.offer_id
   WHERE NOT EXISTS (SELECT FROM stored s
                      WHERE s.offer_id = f.offer_id AND s.valid_from = f.valid_from)
), beyond AS (
  -- Offers with points after the window: their current price stays.
  SELECT s.offer_id FROM stored s JOIN span sp ON sp.offer_id = s.offer_id
   WHERE s.later AND s.valid_from <> sp.price_since
), latest AS (
  SELECT DISTINCT ON (offer_id) * FROM fresh
   WHERE offer_id NOT IN (SELECT offer_id FROM beyond)
   ORDER BY offer_id, valid_from DESC
), current AS (
  -- An offer's current price is its latest change point: the window's last,
  -- unless the offer has points after the window (the batch is older than
  -- its current price, which it never overwrites). price_since may move
  -- back: a late observation can show the current price started earlier.
  UPDATE offers o
     SET price_minor = coalesce(l.price_minor, o.price_minor),
         original_price_minor = CASE WHEN l.offer_id IS NULL THEN o.original_price_minor
                                     ELSE l.original_price_minor END,
         in_stock = coalesce(l.in_stock, o.in_stock),
         price_since = coalesce(l.valid_from, o.price_since),
         observed_at = greatest(o.observed_at, sp.hi),
         last_seen_at = greatest(o.last_seen_at, sp.hi),
         updated_at = now()
    FROM span sp LEFT JOIN latest l ON l.offer_id = sp.offer_id
   WHERE o.id = sp.offer_id
)
SELECT ord, changed FROM ordered WHERE ord IS NOT NULL;
