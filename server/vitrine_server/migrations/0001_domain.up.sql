-- The whole domain of the service: stores, the category tree, products with
-- their denormalised best offer, offers, exact price history (monthly range
-- partitions), price alerts, favorites, the transactional outbox, and the
-- cache invalidations owed to Redis while it was unreachable.
-- Money is integer minor units beside an ISO 4217 code; never floats.

CREATE DOMAIN slug_text AS text
  CHECK (VALUE ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(VALUE) <= 120);
CREATE DOMAIN currency_code AS text CHECK (VALUE ~ '^[A-Z]{3}$');

CREATE TABLE stores (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  slug          slug_text NOT NULL UNIQUE,
  name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  country_code  text NOT NULL CHECK (country_code ~ '^[A-Z]{2}$'),
  currency_code currency_code NOT NULL DEFAULT 'BRL',
  url           text NOT NULL DEFAULT '',
  created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE categories (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  parent_id  bigint REFERENCES categories (id),
  slug       slug_text NOT NULL UNIQUE,
  name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  -- Ids from the root down to this row, itself included: "descendants of X"
  -- is `path @> ARRAY[X]`, answered by the GIN index below.
  path       bigint[] NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX categories_parent_id_idx ON categories (parent_id);
CREATE INDEX categories_path_idx ON categories USING gin (path);

CREATE FUNCTION categories_set_path() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.parent_id IS NULL THEN
    NEW.path := ARRAY[NEW.id];
  ELSE
    SELECT path || NEW.id INTO NEW.path FROM categories WHERE id = NEW.parent_id;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'parent category % does not exist', NEW.parent_id
        USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'categories_parent_id_fkey';
    END IF;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER categories_set_path BEFORE INSERT ON categories
  FOR EACH ROW EXECUTE FUNCTION categories_set_path();

CREATE TABLE products (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  slug            slug_text NOT NULL UNIQUE,
  name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
  description     text NOT NULL DEFAULT '' CHECK (length(description) <= 10000),
  brand           text NOT NULL DEFAULT '' CHECK (length(brand) <= 100),
  category_id     bigint NOT NULL REFERENCES categories (id),
  attributes      jsonb NOT NULL DEFAULT '{}',
  image_url       text NOT NULL DEFAULT '',
  rating          numeric(2, 1) NOT NULL DEFAULT 0 CHECK (rating BETWEEN 0 AND 5),
  review_count    integer NOT NULL DEFAULT 0 CHECK (review_count >= 0),
  currency_code   currency_code NOT NULL DEFAULT 'BRL',
  external_id     text,
  source_store_id bigint REFERENCES stores (id),
  -- The best current offer (cheapest in stock, else cheapest), kept right in
  -- the transaction of every offer write, so lists never aggregate offers.
  best_offer_id              bigint,
  best_store_id              bigint,
  best_price_minor           bigint,
  best_original_price_minor  bigint,
  best_in_stock              boolean NOT NULL DEFAULT false,
  offer_count                integer NOT NULL DEFAULT 0,
  -- Derived, never written by hand: basis points off the original price.
  discount_bps    integer GENERATED ALWAYS AS (
    CASE WHEN best_original_price_minor > best_price_minor AND best_price_minor > 0
         THEN ((best_original_price_minor - best_price_minor) * 10000
               / best_original_price_minor)::integer
         ELSE 0 END) STORED,
  -- Keyset pagination needs a non-null key: products without offers sort last.
  price_sort      bigint GENERATED ALWAYS AS (
    coalesce(best_price_minor, 9223372036854775807)) STORED,
  last_scraped_at timestamptz,
  version         bigint NOT NULL DEFAULT 1,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  deleted_at      timestamptz
);
-- One index per list order (each ends in id, the tie-breaker of its keyset),
-- and the critical query: a category's products ordered by rating or price.
CREATE INDEX products_price_idx ON products (price_sort, id);
CREATE INDEX products_rating_idx ON products (rating DESC, id DESC);
CREATE INDEX products_newest_idx ON products (created_at DESC, id DESC);
CREATE INDEX products_discount_idx ON products (discount_bps DESC, id DESC);
CREATE INDEX products_category_rating_idx ON products (category_id, rating DESC, id DESC);
CREATE INDEX products_category_price_idx ON products (category_id, price_sort, id);
CREATE INDEX products_brand_idx ON products (lower(brand));
CREATE INDEX products_best_store_idx ON products (best_store_id);
CREATE UNIQUE INDEX products_source_external_idx ON products (source_store_id, external_id)
  WHERE external_id IS NOT NULL;

CREATE TABLE offers (
  id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  product_id           bigint NOT NULL REFERENCES products (id),
  store_id             bigint NOT NULL REFERENCES stores (id),
  external_id          text NOT NULL CHECK (length(external_id) BETWEEN 1 AND 200),
  url                  text NOT NULL DEFAULT '',
  currency_code        currency_code NOT NULL,
  price_minor          bigint NOT NULL CHECK (price_minor > 0),
  original_price_minor bigint CHECK (original_price_minor > 0),
  in_stock             boolean NOT NULL,
  discount_bps         integer GENERATED ALWAYS AS (
    CASE WHEN original_price_minor > price_minor
         THEN ((original_price_minor - price_minor) * 10000 / original_price_minor)::integer
         ELSE 0 END) STORED,
  -- When the current price was observed; a late, older observation must not
  -- overwrite it.
  observed_at          timestamptz NOT NULL,
  -- valid_from of the price_points row holding the current price.
  price_since          timestamptz NOT NULL,
  last_seen_at         timestamptz NOT NULL,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  UNIQUE (store_id, external_id)
);
-- The comparison view and the best-offer computation read this order.
CREATE INDEX offers_product_rank_idx ON offers (product_id, in_stock DESC, price_minor, id);

ALTER TABLE products
  ADD CONSTRAINT products_best_offer_fk FOREIGN KEY (best_offer_id)
  REFERENCES offers (id) ON DELETE SET NULL;

-- Exact price history as change points: a row starts when an offer's price
-- or stock changes and holds until the next row; unchanged observations only
-- move last_seen_at. Range-partitioned by month (price_points_yyyy_mm);
-- product_id rides along as the distribution key for a future Citus.
CREATE TABLE price_points (
  offer_id             bigint NOT NULL REFERENCES offers (id),
  product_id           bigint NOT NULL,
  valid_from           timestamptz NOT NULL,
  last_seen_at         timestamptz NOT NULL,
  currency_code        currency_code NOT NULL,
  price_minor          bigint NOT NULL CHECK (price_minor > 0),
  original_price_minor bigint CHECK (original_price_minor > 0),
  in_stock             boolean NOT NULL,
  PRIMARY KEY (offer_id, valid_from)
) PARTITION BY RANGE (valid_from);
CREATE INDEX price_points_product_idx ON price_points (product_id, valid_from);

-- Creates the monthly partitions covering [from_month, to_month]; returns
-- how many it created. Idempotent, so every instance may call it at start.
CREATE FUNCTION ensure_price_point_partitions(from_month date, to_month date)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  m date := date_trunc('month', from_month)::date;
  created integer := 0;
  part text;
BEGIN
  WHILE m <= to_month LOOP
    part := format('price_points_%s', to_char(m, 'YYYY_MM'));
    IF to_regclass(part) IS NULL THEN
      EXECUTE format('CREATE TABLE %I PARTITION OF price_points FOR VALUES FROM (%L) TO (%L)',
                     part, m::timestamptz, (m + interval '1 month')::timestamptz);
      created := created + 1;
    END IF;
    m := (m + interval '1 month')::date;
  END LOOP;
  RETURN created;
END $$;
-- Two years back (history imports) to six months ahead.
SELECT ensure_price_point_partitions((now() - interval '24 months')::date,
                                     (now() + interval '6 months')::date);

CREATE TABLE price_alerts (
  id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id            text NOT NULL CHECK (length(user_id) BETWEEN 1 AND 128),
  product_id         bigint NOT NULL REFERENCES products (id),
  kind               text NOT NULL
    CHECK (kind IN ('target_price', 'percent_drop', 'back_in_stock', 'any_change')),
  target_price_minor bigint CHECK (target_price_minor > 0),
  drop_bps           integer CHECK (drop_bps BETWEEN 1 AND 10000),
  currency_code      currency_code,
  -- The price the alert was armed at (percent_drop measures against it).
  baseline_price_minor bigint,
  armed              boolean NOT NULL DEFAULT true,
  expires_at         timestamptz,
  last_triggered_at  timestamptz,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  deleted_at         timestamptz,
  CHECK (kind <> 'target_price' OR target_price_minor IS NOT NULL),
  CHECK (kind <> 'percent_drop' OR drop_bps IS NOT NULL)
);
CREATE UNIQUE INDEX price_alerts_one_active_idx ON price_alerts (user_id, product_id, kind)
  WHERE deleted_at IS NULL;
-- Evaluation during ingestion joins changed products to their armed alerts.
CREATE INDEX price_alerts_product_armed_idx ON price_alerts (product_id)
  WHERE deleted_at IS NULL AND armed;

CREATE TABLE price_alert_triggers (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  alert_id     bigint NOT NULL REFERENCES price_alerts (id),
  product_id   bigint NOT NULL,
  cause        text NOT NULL,
  price_minor  bigint,
  triggered_at timestamptz NOT NULL DEFAULT now(),
  delivered_at timestamptz
);
CREATE INDEX price_alert_triggers_alert_idx ON price_alert_triggers (alert_id, triggered_at);
CREATE INDEX price_alert_triggers_undelivered_idx ON price_alert_triggers (id)
  WHERE delivered_at IS NULL;

CREATE TABLE favorites (
  user_id    text NOT NULL CHECK (length(user_id) BETWEEN 1 AND 128),
  product_id bigint NOT NULL REFERENCES products (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, product_id)
);
-- A user's favorites, newest first (keyset on created_at, product_id).
CREATE INDEX favorites_user_newest_idx ON favorites (user_id, created_at DESC, product_id DESC);

-- Transactional outbox: a row written in the same transaction as the change
-- it announces, drained later by exactly one consumer at a time.
CREATE TABLE outbox (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  topic        text NOT NULL,
  aggregate_id bigint NOT NULL,
  payload      jsonb NOT NULL DEFAULT '{}',
  created_at   timestamptz NOT NULL DEFAULT now(),
  processed_at timestamptz
);
CREATE INDEX outbox_pending_idx ON outbox (topic, id) WHERE processed_at IS NULL;

-- Cache invalidations owed to Redis: keys a write could not delete because
-- Redis was unreachable. Recording one bumps cache_state.generation; a cache
-- read is trusted only while Redis holds the same generation, which the
-- service sets after it has deleted every owed key (see README, "Caching").
CREATE TABLE cache_state (
  only_row   boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  generation bigint NOT NULL
);
INSERT INTO cache_state (generation) VALUES (1);

CREATE TABLE cache_invalidations (
  key        text PRIMARY KEY,
  generation bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
