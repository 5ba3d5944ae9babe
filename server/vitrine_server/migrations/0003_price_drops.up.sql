-- The deals feed: each product remembers the best price it had before its
-- latest change, so "fell by at least X% against the previous price" is an
-- indexed range, not an aggregate over history.
ALTER TABLE products
  ADD COLUMN prev_best_price_minor bigint,
  ADD COLUMN best_price_changed_at timestamptz,
  ADD COLUMN drop_bps integer GENERATED ALWAYS AS (
    CASE WHEN prev_best_price_minor > best_price_minor AND best_price_minor > 0
         THEN ((prev_best_price_minor - best_price_minor) * 10000 / prev_best_price_minor)::integer
         ELSE 0 END) STORED;

-- Biggest drops first; keyset on (drop_bps, id). Only products with a drop.
CREATE INDEX products_drop_idx ON products (drop_bps DESC, id DESC)
  WHERE drop_bps > 0 AND deleted_at IS NULL;
