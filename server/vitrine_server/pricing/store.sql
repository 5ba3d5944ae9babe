-- The statements of price ingestion (store.py runs them; service.py decides).

-- name: generic_plans
-- The rest of this transaction runs statements on the plans their connection
-- made once (store.py, SMALL_BATCH).
SELECT set_config('plan_cache_mode', 'force_generic_plan', true);

-- name: custom_plans
-- Back to the pool's setting: each statement planned for its arguments.
SELECT set_config('plan_cache_mode', 'force_custom_plan', true);

-- name: history_start
-- The first day price_points can hold a row for: the first day of its
-- oldest attached monthly partition (retention detaches older ones).
SELECT min(to_date(substring(c.relname FROM '^price_points_(\d{4}_\d{2})$'), 'YYYY_MM'))
  FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
 WHERE i.inhparent = 'price_points'::regclass;

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

-- name: record_next_observations
-- A scraper's next pass, the common case, without the general statement's
-- window over stored points and sightings (record_observations below): of
-- the observations $1 (as record_observations takes them), those that are
-- their offer's only one in the batch and later than anything stored for
-- it, where the offer's current point (valid_from = price_since) holds its
-- latest sighting (offers.last_seen_at; a later point would start inside
-- its run, and runs never overlap). Each one either repeats that point's
-- price (its last sighting moves) or starts a new point at its time; the
-- offer's current price follows. Returns those observations (`ord`) with
-- whether they changed the price; the rest are left to record_observations,
-- and touch other offers.
WITH obs AS (
  SELECT * FROM unnest($1::integer[], $2::bigint[], $3::bigint[], $4::timestamptz[], $5::text[],
                       $6::bigint[], $7::bigint[], $8::boolean[])
         AS o (ord, offer_id, product_id, at, currency_code, price_minor, original_price_minor,
               in_stock)
), next AS (
  SELECT n.ord, n.offer_id, n.product_id, n.at, n.currency_code, n.price_minor,
         n.original_price_minor, n.in_stock, p.valid_from,
         (n.price_minor, n.original_price_minor, n.in_stock) IS DISTINCT FROM
         (p.price_minor, p.original_price_minor, p.in_stock) AS changed
    FROM obs n
    JOIN offers f ON f.id = n.offer_id
   CROSS JOIN LATERAL (
     SELECT valid_from, last_seen_at, price_minor, original_price_minor, in_stock
       FROM price_points WHERE offer_id = n.offer_id AND valid_from = f.price_since) p
   WHERE p.last_seen_at < n.at AND p.last_seen_at = f.last_seen_at
     AND n.offer_id NOT IN (SELECT offer_id FROM obs GROUP BY offer_id HAVING count(*) > 1)
), seen AS (
  -- As arrays: unnested below they plan as one key probe per row (see
  -- record_observations' diff).
  SELECT array_agg(offer_id) AS offer_id, array_agg(valid_from) AS valid_from,
         array_agg(at) AS at
    FROM next WHERE NOT changed
), kept AS (
  UPDATE price_points p SET last_seen_at = s.at
    FROM seen, unnest(seen.offer_id, seen.valid_from, seen.at) AS s (offer_id, valid_from, at)
   WHERE p.offer_id = s.offer_id AND p.valid_from = s.valid_from
), added AS (
  INSERT INTO price_points (offer_id, product_id, valid_from, last_seen_at, currency_code,
                            price_minor, original_price_minor, in_stock)
  SELECT offer_id, product_id, at, at, currency_code, price_minor, original_price_minor, in_stock
    FROM next WHERE changed
), current AS (
  UPDATE offers o
     SET price_minor = n.price_minor,
         original_price_minor = n.original_price_minor,
         in_stock = n.in_stock,
         price_since = CASE WHEN n.changed THEN n.at ELSE o.price_since END,
         observed_at = greatest(o.observed_at, n.at),
         last_seen_at = n.at,
         updated_at = now()
    FROM next n
   WHERE o.id = n.offer_id
)
SELECT ord, changed FROM next;

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
  SELECT b.*, o.price_since, o.last_seen_at AS offer_seen
    FROM (SELECT offer_id, min(at) AS lo, max(at) AS hi, min(product_id) AS product_id,
                 min(currency_code) AS currency_code
            FROM obs GROUP BY offer_id) b
    JOIN offers o ON o.id = b.offer_id
), fast AS (
  -- The common case, a scraper's next pass: every observation of the offer
  -- is later than anything stored for it. Then the only stored point the
  -- batch can change is the offer's current one (valid_from = price_since:
  -- one key probe in one partition), found without the range scans below,
  -- which probe every monthly partition. It is the latest point if it holds
  -- the offer's latest sighting (offers.last_seen_at): a later point would
  -- start inside its run, and runs never overlap.
  SELECT p.*, false AS later FROM span s CROSS JOIN LATERAL (
    SELECT offer_id, valid_from, last_seen_at, price_minor, original_price_minor, in_stock
      FROM price_points WHERE offer_id = s.offer_id AND valid_from = s.price_since) p
   WHERE p.last_seen_at < s.lo AND p.last_seen_at = s.offer_seen
), slow AS (
  SELECT * FROM span WHERE offer_id NOT IN (SELECT offer_id FROM fast)
), stored AS (
  -- The stored points the batch can change, per offer: the last one
  -- before its first observation (a point at that instant may be replaced
  -- and merge into it), the ones up to its last, and the next one (`later`:
  -- it starts earlier than known if the last observation matches it).
  SELECT * FROM fast
  UNION ALL
  SELECT p.*, false FROM slow s CROSS JOIN LATERAL (
    SELECT offer_id, valid_from, last_seen_at, price_minor, original_price_minor, in_stock
      FROM price_points WHERE offer_id = s.offer_id AND valid_from < s.lo
     ORDER BY valid_from DESC LIMIT 1) p
  UNION ALL
  SELECT p.*, false FROM slow s CROSS JOIN LATERAL (
    SELECT offer_id, valid_from, last_seen_at, price_minor, original_price_minor, in_stock
      FROM price_points WHERE offer_id = s.offer_id AND valid_from >= s.lo AND valid_from <= s.hi
    OFFSET 0) p  -- OFFSET 0: one index range per offer, not a join over every partition
  UNION ALL
  SELECT p.*, true FROM slow s CROSS JOIN LATERAL (
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

-- name: lock_products
-- Lock products $1 (in id order, so writers queue instead of deadlocking)
-- before their offers are read to refresh them: a concurrent batch that
-- changed another of their offers has committed by then, and is seen.
SELECT id FROM products WHERE id = ANY($1::bigint[]) ORDER BY id FOR NO KEY UPDATE;

-- name: refresh_best_offers
-- The best offer of products $1 (cheapest in stock, else cheapest, ties to
-- the lower id) and their offer count, from their offers' current prices;
-- remembers the previous best price when it changes (the deals feed). The
-- wide products row (and its indexes, and the search feed's trigger) is
-- written only where one of those changed, with a version bump. Returns
-- the products whose row changed, and whether their best price or stock
-- did (their alerts are evaluated).
WITH ranked AS (
  SELECT DISTINCT ON (o.product_id)
         o.product_id, o.id, o.store_id, o.price_minor, o.original_price_minor, o.in_stock,
         count(*) OVER w AS offer_count
    FROM offers o
   WHERE o.product_id = ANY($1::bigint[])
  WINDOW w AS (PARTITION BY o.product_id)
   ORDER BY o.product_id, o.in_stock DESC, o.price_minor, o.id
), target AS (
  SELECT p.id AS product_id, r.id AS offer_id, r.store_id, r.price_minor,
         r.original_price_minor, coalesce(r.in_stock, false) AS in_stock,
         coalesce(r.offer_count, 0)::integer AS offer_count,
         (p.best_price_minor, p.best_in_stock) IS DISTINCT FROM
         (r.price_minor, coalesce(r.in_stock, false)) AS price_moved
    FROM products p
    LEFT JOIN ranked r ON r.product_id = p.id
   WHERE p.id = ANY($1::bigint[])
), updated AS (
  UPDATE products p
   SET prev_best_price_minor = CASE WHEN p.best_price_minor IS DISTINCT FROM t.price_minor
                                    THEN p.best_price_minor ELSE p.prev_best_price_minor END,
       best_price_changed_at = CASE WHEN p.best_price_minor IS DISTINCT FROM t.price_minor
                                    THEN now() ELSE p.best_price_changed_at END,
       best_offer_id = t.offer_id,
       best_store_id = t.store_id,
       best_price_minor = t.price_minor,
       best_original_price_minor = t.original_price_minor,
       best_in_stock = t.in_stock,
       offer_count = t.offer_count,
       version = p.version + 1,
       updated_at = now()
  FROM target t
 WHERE p.id = t.product_id
   AND (p.best_offer_id, p.best_store_id, p.best_price_minor, p.best_original_price_minor,
        p.best_in_stock, p.offer_count)
       IS DISTINCT FROM
       (t.offer_id, t.store_id, t.price_minor, t.original_price_minor, t.in_stock, t.offer_count)
RETURNING p.id, t.price_moved
)
SELECT id, price_moved FROM updated;

-- name: record_best_prices
-- The best-price history of products $1 from instant $2 (one per product)
-- on, recomputed from their offers' change points: at every instant the
-- price of the offer that is best by the offers' histories (cheapest in
-- stock, else cheapest, ties to the lower id), a point wherever it changes,
-- stamped with the time of the observation that changed it. An offer whose
-- current price started by $2 contributes its current row, with no lookup.
-- Returns the products whose best-price history changed.
WITH req AS (
  SELECT * FROM unnest($1::bigint[], $2::timestamptz[]) AS r (product_id, since)
), offs AS (
  SELECT o.id AS offer_id, r.product_id, r.since, o.price_since, o.price_minor, o.in_stock
    FROM req r JOIN offers o ON o.product_id = r.product_id
), pts AS (
  -- Each offer's price in effect at `since` (stamped `since`) and its later
  -- change points. An offer unchanged since then: its current row.
  SELECT product_id, offer_id, since AS at, price_minor, in_stock
    FROM offs WHERE price_since <= since
  UNION ALL
  SELECT f.product_id, f.offer_id, f.since, p.price_minor, p.in_stock
    FROM offs f CROSS JOIN LATERAL (
      SELECT price_minor, in_stock FROM price_points
       WHERE offer_id = f.offer_id AND valid_from <= f.since
       ORDER BY valid_from DESC LIMIT 1) p
   WHERE f.price_since > f.since
  UNION ALL
  SELECT f.product_id, f.offer_id, p.valid_from, p.price_minor, p.in_stock
    FROM offs f CROSS JOIN LATERAL (
      SELECT valid_from, price_minor, in_stock FROM price_points
       WHERE offer_id = f.offer_id AND valid_from > f.since
       OFFSET 0) p  -- OFFSET 0: one index range per offer, not a join over every partition
   WHERE f.price_since > f.since
), grid AS (
  -- Every offer of the product at every instant one of them changed, with
  -- its own change there if it had one; `n` counts its changes so far.
  SELECT e.product_id, e.at, f.offer_id, p.price_minor, p.in_stock,
         count(p.price_minor) OVER (PARTITION BY f.offer_id ORDER BY e.at) AS n
    FROM (SELECT DISTINCT product_id, at FROM pts) e
    JOIN offs f ON f.product_id = e.product_id
    LEFT JOIN pts p ON p.offer_id = f.offer_id AND p.at = e.at
), state AS (
  -- ...and carried forward: each offer's price in effect at each instant.
  SELECT product_id, at, offer_id,
         first_value(price_minor) OVER (PARTITION BY offer_id, n ORDER BY at) AS price_minor,
         first_value(in_stock) OVER (PARTITION BY offer_id, n ORDER BY at) AS in_stock
    FROM grid WHERE n > 0
), best AS (
  -- The cheapest in stock, else the cheapest; ties to the lower offer id.
  SELECT DISTINCT ON (product_id, at) product_id, at, price_minor
    FROM state
   ORDER BY product_id, at, in_stock DESC, price_minor, offer_id
), changes AS (
  -- Only where the best price changes, against the one recorded before `since`.
  SELECT product_id, at, price_minor
    FROM (SELECT u.*, price_minor IS DISTINCT FROM
                      lag(price_minor) OVER (PARTITION BY product_id ORDER BY at) AS differs
            FROM (SELECT product_id, at, price_minor, false AS prior FROM best
                  UNION ALL
                  SELECT r.product_id, '-infinity', b.price_minor, true
                    FROM req r CROSS JOIN LATERAL (
                      SELECT price_minor FROM best_price_points
                       WHERE product_id = r.product_id AND valid_from < r.since
                       ORDER BY valid_from DESC LIMIT 1) b) u) c
   WHERE differs AND NOT prior
), gone AS (
  -- The stored points from `since` on that are no longer change points, as
  -- arrays: unnested below they plan as one key probe per row. Joined to
  -- `req` directly, the DELETE hashed the whole of best_price_points (a
  -- sequential scan per batch, growing with the history).
  SELECT coalesce(array_agg(b.product_id), '{}') AS product_id,
         coalesce(array_agg(b.valid_from), '{}') AS valid_from
    FROM req r CROSS JOIN LATERAL (
      SELECT product_id, valid_from FROM best_price_points
       WHERE product_id = r.product_id AND valid_from >= r.since
      OFFSET 0) b  -- OFFSET 0: one index range per product
   WHERE NOT EXISTS (SELECT FROM changes c
                      WHERE c.product_id = b.product_id AND c.at = b.valid_from)
), dropped AS (
  DELETE FROM best_price_points b
   USING gone, unnest(gone.product_id, gone.valid_from) AS g (product_id, valid_from)
   WHERE b.product_id = g.product_id AND b.valid_from = g.valid_from
  RETURNING b.product_id
), written AS (
  INSERT INTO best_price_points AS b (product_id, valid_from, price_minor)
  SELECT product_id, at, price_minor FROM changes
  ON CONFLICT (product_id, valid_from) DO UPDATE SET price_minor = EXCLUDED.price_minor
   WHERE b.price_minor IS DISTINCT FROM EXCLUDED.price_minor
  RETURNING b.product_id
)
SELECT product_id FROM dropped UNION SELECT product_id FROM written;

-- name: refresh_price_averages
-- The 30-day time-weighted average best price of products $1, from their
-- best-price change points (the one in effect 30 days ago included): per
-- product, one probe for that one and one index range for the rest.
UPDATE products p SET avg_30d_price_minor = a.average
  FROM (
    SELECT r.product_id,
           round(sum(s.price_minor * s.seconds) / nullif(sum(s.seconds), 0))::bigint AS average
      FROM unnest($1::bigint[]) AS r (product_id)
     CROSS JOIN LATERAL (
       SELECT w.price_minor,
              extract(epoch FROM coalesce(lead(w.at) OVER (ORDER BY w.at), now()) - w.at)
                AS seconds
         FROM ((SELECT now() - interval '30 days' AS at, price_minor
                  FROM best_price_points
                 WHERE product_id = r.product_id AND valid_from <= now() - interval '30 days'
                 ORDER BY valid_from DESC LIMIT 1)
               UNION ALL
               (SELECT valid_from, price_minor
                  FROM best_price_points
                 WHERE product_id = r.product_id AND valid_from > now() - interval '30 days')) w
     ) s
     WHERE s.price_minor IS NOT NULL AND s.seconds > 0
     GROUP BY r.product_id
  ) a
 WHERE p.id = a.product_id
   AND p.avg_30d_price_minor IS DISTINCT FROM a.average;

-- name: products_with_recent_best_changes
-- Products whose 30-day average may still move: a best-price change within 31 days.
SELECT DISTINCT product_id FROM best_price_points
 WHERE valid_from > now() - interval '31 days';
