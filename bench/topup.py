"""Grow a catalog to bench size by cloning the products it already has.

The demo seeder (vitrine_server.demo.seed) names at most a few thousand
distinct products, and the bench needs 100,000. Cloning the demo products,
with their offers and each offer's current price point, keeps real-looking
rows (names, descriptions, attributes, prices: what a response carries)
while multiplying them. Clones get fresh slugs and external ids ("-b<n>"),
their best offer points at their own cloned offer. All inside PostgreSQL.
"""

from __future__ import annotations

import asyncpg

_SQL = """
-- Which product each clone copies: round n of copies of every live product.
CREATE TEMP TABLE bench_clone ON COMMIT DROP AS
SELECT nextval(pg_get_serial_sequence('products', 'id')) AS new_id, src_id, n
FROM (
  SELECT p.id AS src_id, g.n
  FROM generate_series(1, $2::int) AS g(n)
  CROSS JOIN (SELECT id FROM products WHERE deleted_at IS NULL) p
  ORDER BY g.n, p.id
  LIMIT $1::int
) s;

INSERT INTO products (id, slug, name, description, brand, category_id, attributes, image_url,
                      rating, review_count, currency_code, external_id, source_store_id,
                      best_store_id, best_price_minor, best_original_price_minor,
                      best_in_stock, offer_count, last_scraped_at, created_at, updated_at)
OVERRIDING SYSTEM VALUE
-- rtrim: a slug cut at a dash would not be a valid slug once suffixed.
SELECT c.new_id, rtrim(left(p.slug, 100), '-') || '-b' || c.n, p.name, p.description,
       p.brand, p.category_id, p.attributes, p.image_url, p.rating, p.review_count,
       p.currency_code, p.external_id || '-b' || c.n, p.source_store_id,
       p.best_store_id, p.best_price_minor, p.best_original_price_minor,
       p.best_in_stock, p.offer_count, p.last_scraped_at, p.created_at, p.updated_at
FROM bench_clone c JOIN products p ON p.id = c.src_id;

CREATE TEMP TABLE bench_offer_clone ON COMMIT DROP AS
SELECT nextval(pg_get_serial_sequence('offers', 'id')) AS new_id, o.id AS src_id,
       c.new_id AS product_id, c.n
FROM bench_clone c JOIN offers o ON o.product_id = c.src_id;

INSERT INTO offers (id, product_id, store_id, external_id, url, currency_code, price_minor,
                    original_price_minor, in_stock, observed_at, price_since, last_seen_at,
                    created_at, updated_at)
OVERRIDING SYSTEM VALUE
SELECT oc.new_id, oc.product_id, o.store_id, o.external_id || '-b' || oc.n, o.url,
       o.currency_code, o.price_minor, o.original_price_minor, o.in_stock, o.observed_at,
       o.price_since, o.last_seen_at, o.created_at, o.updated_at
FROM bench_offer_clone oc JOIN offers o ON o.id = oc.src_id;

-- Only the point holding each offer's current price: enough for a
-- consistent history, without multiplying months of it.
INSERT INTO price_points (offer_id, product_id, valid_from, last_seen_at, currency_code,
                          price_minor, original_price_minor, in_stock)
SELECT oc.new_id, oc.product_id, pp.valid_from, pp.last_seen_at, pp.currency_code,
       pp.price_minor, pp.original_price_minor, pp.in_stock
FROM bench_offer_clone oc
JOIN offers o ON o.id = oc.src_id
JOIN price_points pp ON pp.offer_id = o.id AND pp.valid_from = o.price_since;

UPDATE products p
SET best_offer_id = oc.new_id
FROM bench_clone c
JOIN products src ON src.id = c.src_id
JOIN bench_offer_clone oc ON oc.src_id = src.best_offer_id AND oc.product_id = c.new_id
WHERE p.id = c.new_id;
"""


async def clone_products(conn: asyncpg.Connection, count: int) -> int:
    """Add `count` clones of the live products (with offers); returns how many."""
    live = int(await conn.fetchval("SELECT count(*) FROM products WHERE deleted_at IS NULL"))
    if live == 0:
        raise ValueError("no products to clone: seed the catalog first")
    rounds = -(-count // live)
    async with conn.transaction():
        for statement in _SQL.split(";\n"):
            if not statement.strip():
                continue
            if "$1" in statement:
                await conn.execute(statement, count, rounds)
            else:
                await conn.execute(statement)
    return count
