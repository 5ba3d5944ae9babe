-- name: word_lookup
-- See search_word_lookup in migrations/0009_search.up.sql.
SELECT token, known, extends, candidate, ndoc FROM search_word_lookup($1::text[]);

-- name: search_products
-- One statement answers a search: the hits' page, their total, and every
-- requested facet. `base` holds each live product matching the words and
-- the filters that are not facets (read from the narrow product_search
-- rows), with one flag per facet filter; hits pass all flags, and each facet
-- counts the rows that pass every flag but its own, so a selected brand
-- does not hide the other brands. Only the page's 20-odd hits read products.
-- $1 groups, $2 match_all, $3 category ids, $4 brands (lower case),
-- $5 store ids, $6/$7 price bounds (NULL: none), $8 min rating (NULL: none),
-- $9 in stock only, $10 sort, $11 limit, $12 offset, $13 facets wanted,
-- $14 price edges, $15 snippet words.
WITH query AS MATERIALIZED (
  SELECT search_tsquery($1::jsonb, $2::boolean) AS q
),
wanted_categories AS (
  SELECT coalesce(array_agg(id), '{}') AS ids FROM categories WHERE path && $3::bigint[]
),
base AS MATERIALIZED (
  SELECT s.product_id AS id, s.brand, s.category_id, s.store_ids, s.price_minor, s.rating,
         s.created_at, s.discount_bps,
         -- Ranking costs time per hit: only the relevance order pays it, and
         -- it reads the small inline rank_doc (name, brand, category), not
         -- the description, which only decides whether a product matches.
         CASE WHEN $10::text = 'relevance'
              THEN ts_rank_cd('{0.1, 0.2, 0.4, 1.0}', s.rank_doc, query.q, 1) END AS rank,
         (cardinality($4::text[]) = 0 OR lower(s.brand) = ANY ($4::text[])) AS brand_ok,
         (cardinality($3::bigint[]) = 0
          OR s.category_id = ANY ((SELECT ids FROM wanted_categories)::bigint[])) AS category_ok,
         (cardinality($5::bigint[]) = 0 OR s.store_ids && $5::bigint[]) AS store_ok,
         (($6::bigint IS NULL OR s.price_minor >= $6::bigint)
          AND ($7::bigint IS NULL OR s.price_minor <= $7::bigint)) AS price_ok
  FROM product_search s, query
  WHERE s.doc @@ query.q
    AND s.live
    AND ($8::numeric IS NULL OR s.rating >= $8::numeric)
    AND (NOT $9::boolean OR s.in_stock)
),
hits AS MATERIALIZED (
  SELECT * FROM base WHERE brand_ok AND category_ok AND store_ok AND price_ok
),
page AS (
  SELECT h.id, row_number() OVER () AS ord
  FROM (SELECT h.id FROM hits h
        ORDER BY CASE WHEN $10::text = 'price_asc' THEN h.price_minor END ASC NULLS LAST,
                 CASE WHEN $10::text = 'price_desc' THEN h.price_minor END DESC NULLS LAST,
                 CASE WHEN $10::text = 'rating' THEN h.rating END DESC,
                 CASE WHEN $10::text = 'newest' THEN h.created_at END DESC,
                 CASE WHEN $10::text = 'discount' THEN h.discount_bps END DESC,
                 h.rank DESC NULLS LAST, h.rating DESC, h.id
        LIMIT $11::integer OFFSET $12::integer) h
)
SELECT
  (SELECT count(*) FROM hits) AS total,
  (SELECT jsonb_agg(jsonb_build_object(
            'id', p.id, 'slug', p.slug, 'name', p.name, 'brand', p.brand,
            'category_id', p.category_id, 'image_url', p.image_url, 'rating', p.rating,
            'review_count', p.review_count, 'currency_code', p.currency_code,
            'price', p.best_price_minor, 'store_id', p.best_store_id,
            'in_stock', p.best_in_stock, 'discount_bps', p.discount_bps,
            'name_marked', ts_headline('vitrine_pt', translate(p.name, E'\x01\x02', ''), query.q,
                                       E'StartSel=\x01, StopSel=\x02, HighlightAll=true'),
            'brand_marked', ts_headline('vitrine_pt', translate(p.brand, E'\x01\x02', ''), query.q,
                                        E'StartSel=\x01, StopSel=\x02, HighlightAll=true'),
            -- Any of the words makes a snippet, not only all of them together.
            'snippet', ts_headline('vitrine_pt', translate(p.description, E'\x01\x02', ''),
                                   search_tsquery($1::jsonb, false),
                                   format(E'StartSel=\x01, StopSel=\x02, MaxWords=%s, MinWords=%s, '
                                          'ShortWord=2, MaxFragments=1',
                                          $15::integer, greatest($15::integer / 2, 1))))
          ORDER BY page.ord)
   FROM page JOIN products p ON p.id = page.id, query) AS hits,
  CASE WHEN 'brand' = ANY ($13::text[]) THEN (
    SELECT jsonb_agg(jsonb_build_array(f.brand, f.brand, f.n) ORDER BY f.n DESC, f.brand)
    FROM (SELECT min(brand) AS brand, count(*) AS n FROM base
          WHERE category_ok AND store_ok AND price_ok AND brand <> ''
          GROUP BY lower(brand) ORDER BY n DESC, 1 LIMIT 100) f)
  END AS brand_facet,
  CASE WHEN 'category' = ANY ($13::text[]) THEN (
    SELECT jsonb_agg(jsonb_build_array(f.category_id::text, c.name, f.n)
                     ORDER BY f.n DESC, f.category_id)
    FROM (SELECT category_id, count(*) AS n FROM base
          WHERE brand_ok AND store_ok AND price_ok
          GROUP BY category_id ORDER BY n DESC, category_id LIMIT 100) f
    JOIN categories c ON c.id = f.category_id)
  END AS category_facet,
  CASE WHEN 'store' = ANY ($13::text[]) THEN (
    SELECT jsonb_agg(jsonb_build_array(f.store_id::text, s.name, f.n)
                     ORDER BY f.n DESC, f.store_id)
    FROM (SELECT u.store_id, count(*) AS n
          FROM base b, unnest(b.store_ids) AS u(store_id)
          WHERE b.brand_ok AND b.category_ok AND b.price_ok
          GROUP BY u.store_id ORDER BY n DESC, u.store_id LIMIT 100) f
    JOIN stores s ON s.id = f.store_id)
  END AS store_facet,
  CASE WHEN 'price' = ANY ($13::text[]) THEN (
    SELECT jsonb_agg(jsonb_build_array(f.bucket, f.n) ORDER BY f.bucket)
    FROM (SELECT width_bucket(price_minor, $14::bigint[]) AS bucket, count(*) AS n
          FROM base
          WHERE brand_ok AND category_ok AND store_ok AND price_minor IS NOT NULL
          GROUP BY 1) f)
  END AS price_facet
FROM query;

-- name: suggest_products
-- Completions: products whose name, brand or category words start with the
-- typed words, name matches first, then the most reviewed; products' own
-- rows are read for the winners only.
-- $1 groups, $2 category ids, $3 limit.
WITH query AS MATERIALIZED (
  SELECT search_tsquery($1::jsonb, true) AS q
),
best AS (
  SELECT s.product_id, ts_rank('{0, 0.05, 0.2, 1.0}', s.rank_doc, query.q) AS rank,
         s.review_count
  FROM product_search s, query
  WHERE s.rank_doc @@ query.q
    AND s.live
    AND (cardinality($2::bigint[]) = 0
         OR s.category_id IN (SELECT id FROM categories WHERE path && $2::bigint[]))
  ORDER BY rank DESC, s.review_count DESC, s.product_id
  LIMIT $3::integer
)
SELECT p.id, p.name,
       ts_headline('vitrine_pt', translate(p.name, E'\x01\x02', ''), query.q,
                   E'StartSel=\x01, StopSel=\x02, HighlightAll=true') AS marked
FROM best JOIN products p ON p.id = best.product_id, query
ORDER BY best.rank DESC, best.review_count DESC, best.product_id;
