-- Back to 0009's PostgreSQL full-text backend and its opt-in outbox feed.
-- Outbox rows written since are dropped: the old feed deleted rows as it
-- applied them, and an index built from the tables needs none of them.

DROP TRIGGER stores_outbox_delete ON stores;
DROP TRIGGER stores_outbox_update ON stores;
DROP TRIGGER stores_outbox_insert ON stores;
DROP TRIGGER categories_outbox_delete ON categories;
DROP TRIGGER categories_outbox_update ON categories;
DROP TRIGGER categories_outbox_insert ON categories;
DROP FUNCTION outbox_labels_changed();
DROP TRIGGER offers_outbox_insert ON offers;
DROP FUNCTION outbox_offers_inserted();
DROP TRIGGER products_outbox_delete ON products;
DROP TRIGGER products_outbox_update ON products;
DROP TRIGGER products_outbox_insert ON products;
DROP FUNCTION outbox_products_changed();
DROP TABLE outbox_consumers;
DROP TABLE outbox_horizon;
DELETE FROM outbox WHERE topic LIKE 'search.%';
DROP INDEX outbox_log_idx;
ALTER TABLE outbox DROP COLUMN tx;
ALTER TABLE outbox ADD COLUMN processed_at timestamptz;
CREATE INDEX outbox_pending_idx ON outbox (topic, id) WHERE processed_at IS NULL;

-- What follows is 0009's, as it was (settings tables excepted: they stayed).
CREATE TEXT SEARCH CONFIGURATION vitrine_pt (COPY = portuguese);
ALTER TEXT SEARCH CONFIGURATION vitrine_pt
  ALTER MAPPING FOR hword, hword_part, word WITH unaccent, portuguese_stem;
CREATE TEXT SEARCH CONFIGURATION vitrine_en (COPY = english);
ALTER TEXT SEARCH CONFIGURATION vitrine_en
  ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem;
CREATE TEXT SEARCH CONFIGURATION vitrine_simple (COPY = simple);
ALTER TEXT SEARCH CONFIGURATION vitrine_simple
  ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple;

-- One field's text as lexemes of the three configurations, with its weight
-- (A name, B brand, C category names, D description).
CREATE FUNCTION search_field(body text, weight "char") RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT setweight(to_tsvector('vitrine_simple'::regconfig, body)
                   || to_tsvector('vitrine_pt'::regconfig, body)
                   || to_tsvector('vitrine_en'::regconfig, body), weight)
$$;

-- The names of a category and its ancestors ("Eletrônicos Celulares e Smartphones").
CREATE FUNCTION category_search_text(category bigint) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT coalesce(string_agg(c.name, ' ' ORDER BY cardinality(c.path)), '')
  FROM categories c
  WHERE c.id = ANY ((SELECT path FROM categories WHERE id = category)::bigint[])
$$;

-- The words of a text as the typo dictionary holds them: lower case, no
-- accents, letters and digits only.
CREATE FUNCTION search_words_of(body text) RETURNS SETOF text
LANGUAGE sql STABLE AS $$
  SELECT DISTINCT w
  FROM regexp_split_to_table(lower(unaccent('unaccent'::regdictionary, body)), '[^a-z0-9]+') AS w
  WHERE length(w) BETWEEN 2 AND 40
$$;

-- What ranks a product: name (weight A), brand (B), the names of its
-- category and ancestors (C). Ranking reads it instead of the whole `doc`,
-- which is twice its size.
CREATE FUNCTION product_search_rank_doc(name text, brand text, category bigint)
RETURNS tsvector LANGUAGE sql STABLE AS $$
  SELECT search_field(name, 'A') || search_field(brand, 'B')
      || search_field(category_search_text(category), 'C')
$$;

CREATE TABLE product_search (
  product_id   bigint PRIMARY KEY REFERENCES products (id) ON DELETE CASCADE,
  -- What a query must match: rank_doc plus the description (D).
  doc          tsvector NOT NULL,
  rank_doc     tsvector NOT NULL,
  brand        text NOT NULL,
  category_id  bigint NOT NULL,
  -- The stores with an offer of the product (offers are never deleted nor
  -- moved, so the trigger on offers below only ever adds to it).
  store_ids    bigint[] NOT NULL DEFAULT '{}',
  price_minor  bigint,
  in_stock     boolean NOT NULL,
  rating       numeric(2, 1) NOT NULL,
  review_count integer NOT NULL,
  discount_bps integer NOT NULL,
  created_at   timestamptz NOT NULL,
  -- Not soft-deleted: searches only see live products.
  live         boolean NOT NULL
-- Room for HOT updates when prices change (no indexed column changes then).
) WITH (fillfactor = 90);

-- Words seen in product names, brands and category names: the vocabulary a
-- misspelled query word is corrected against (trigram similarity, then an
-- edit-distance check in the service). ndoc ranks equally close candidates.
CREATE TABLE search_words (
  word text PRIMARY KEY,
  ndoc integer NOT NULL DEFAULT 1
);
CREATE INDEX search_words_trgm_idx ON search_words USING gin (word gin_trgm_ops);
-- "Is the last, unfinished word the start of a known word?" is a prefix scan.
CREATE INDEX search_words_prefix_idx ON search_words (word text_pattern_ops);

-- New words join the dictionary at once; counts are refreshed by a reindex.
-- Sorted, so concurrent writers take the rows' locks in the same order.
CREATE FUNCTION search_learn_words(body text) RETURNS void LANGUAGE sql AS $$
  INSERT INTO search_words (word)
  SELECT w FROM search_words_of(body) AS w ORDER BY w
  ON CONFLICT (word) DO NOTHING
$$;

CREATE FUNCTION products_search_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO product_search (product_id, doc, rank_doc, brand, category_id, price_minor,
                              in_stock, rating, review_count, discount_bps, created_at, live)
  SELECT NEW.id, r.doc || search_field(NEW.description, 'D'), r.doc, NEW.brand,
         NEW.category_id, NEW.best_price_minor, NEW.best_in_stock, NEW.rating,
         NEW.review_count, NEW.discount_bps, NEW.created_at, NEW.deleted_at IS NULL
  FROM product_search_rank_doc(NEW.name, NEW.brand, NEW.category_id) AS r(doc);
  PERFORM search_learn_words(NEW.name || ' ' || NEW.brand || ' '
                             || category_search_text(NEW.category_id));
  RETURN NULL;
END $$;
CREATE TRIGGER products_search_insert AFTER INSERT ON products
  FOR EACH ROW EXECUTE FUNCTION products_search_insert();

-- Price changes (the common update) rewrite only the narrow columns; the
-- document is recomputed only when its text changes.
CREATE FUNCTION products_search_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (OLD.name, OLD.brand, OLD.description, OLD.category_id)
     IS DISTINCT FROM (NEW.name, NEW.brand, NEW.description, NEW.category_id) THEN
    UPDATE product_search
    SET rank_doc = r.doc, doc = r.doc || search_field(NEW.description, 'D')
    FROM product_search_rank_doc(NEW.name, NEW.brand, NEW.category_id) AS r(doc)
    WHERE product_id = NEW.id;
    PERFORM search_learn_words(NEW.name || ' ' || NEW.brand || ' '
                               || category_search_text(NEW.category_id));
  END IF;
  UPDATE product_search
  SET brand = NEW.brand, category_id = NEW.category_id, price_minor = NEW.best_price_minor,
      in_stock = NEW.best_in_stock, rating = NEW.rating, review_count = NEW.review_count,
      discount_bps = NEW.discount_bps, live = NEW.deleted_at IS NULL
  WHERE product_id = NEW.id;
  RETURN NULL;
END $$;
CREATE TRIGGER products_search_update AFTER UPDATE ON products
  FOR EACH ROW
  WHEN ((OLD.name, OLD.brand, OLD.description, OLD.category_id, OLD.best_price_minor,
         OLD.best_in_stock, OLD.rating, OLD.review_count, OLD.discount_bps, OLD.deleted_at)
        IS DISTINCT FROM
        (NEW.name, NEW.brand, NEW.description, NEW.category_id, NEW.best_price_minor,
         NEW.best_in_stock, NEW.rating, NEW.review_count, NEW.discount_bps, NEW.deleted_at))
  EXECUTE FUNCTION products_search_update();

-- A renamed category changes the documents of every product below it.
CREATE FUNCTION categories_search_rename() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE product_search ps
  SET rank_doc = product_search_rank_doc(p.name, p.brand, p.category_id),
      doc = product_search_rank_doc(p.name, p.brand, p.category_id)
            || search_field(p.description, 'D')
  FROM products p
  WHERE p.id = ps.product_id
    AND p.category_id IN (SELECT id FROM categories WHERE path @> ARRAY[NEW.id]);
  PERFORM search_learn_words(NEW.name);
  RETURN NULL;
END $$;
CREATE TRIGGER categories_search_rename AFTER UPDATE OF name ON categories
  FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
  EXECUTE FUNCTION categories_search_rename();

-- One set-based statement per insert into offers, bulk loads included.
CREATE FUNCTION offers_search_store_ids() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH touched AS (
    SELECT DISTINCT product_id FROM new_offers
  ), current_ids AS (
    SELECT o.product_id, array_agg(DISTINCT o.store_id ORDER BY o.store_id) AS ids
    FROM offers o JOIN touched t ON t.product_id = o.product_id
    GROUP BY o.product_id
  )
  UPDATE product_search ps SET store_ids = c.ids
  FROM current_ids c
  WHERE ps.product_id = c.product_id AND ps.store_ids IS DISTINCT FROM c.ids;
  RETURN NULL;
END $$;
CREATE TRIGGER offers_search_store_ids AFTER INSERT ON offers
  REFERENCING NEW TABLE AS new_offers
  FOR EACH STATEMENT EXECUTE FUNCTION offers_search_store_ids();

-- The search rows of the given products, computed afresh from products and
-- offers (the backfill below and a reindex); returns the ids it wrote.
CREATE FUNCTION refresh_product_search(ids bigint[]) RETURNS SETOF bigint
LANGUAGE sql AS $$
  INSERT INTO product_search (product_id, doc, rank_doc, brand, category_id, store_ids,
                              price_minor, in_stock, rating, review_count, discount_bps,
                              created_at, live)
  SELECT p.id, r.doc || search_field(p.description, 'D'), r.doc, p.brand, p.category_id,
         ARRAY(SELECT DISTINCT o.store_id FROM offers o WHERE o.product_id = p.id ORDER BY 1),
         p.best_price_minor, p.best_in_stock, p.rating, p.review_count, p.discount_bps,
         p.created_at, p.deleted_at IS NULL
  FROM products p, product_search_rank_doc(p.name, p.brand, p.category_id) AS r(doc)
  WHERE p.id = ANY (ids)
  ON CONFLICT (product_id) DO UPDATE
  SET doc = EXCLUDED.doc, rank_doc = EXCLUDED.rank_doc, brand = EXCLUDED.brand,
      category_id = EXCLUDED.category_id, store_ids = EXCLUDED.store_ids,
      price_minor = EXCLUDED.price_minor, in_stock = EXCLUDED.in_stock,
      rating = EXCLUDED.rating, review_count = EXCLUDED.review_count,
      discount_bps = EXCLUDED.discount_bps, created_at = EXCLUDED.created_at,
      live = EXCLUDED.live
  RETURNING product_id
$$;

SELECT count(*) FROM refresh_product_search(ARRAY(SELECT id FROM products));
-- Only live products are searched: the indexes hold nothing else. Searches
-- match `doc`; completions match what ranks, `rank_doc`.
CREATE INDEX product_search_doc_idx ON product_search USING gin (doc) WHERE live;
CREATE INDEX product_search_rank_doc_idx ON product_search USING gin (rank_doc) WHERE live;

-- The dictionary rebuilt from the live catalog: words no product uses any
-- more leave it, and each word's count is refreshed. Run by a reindex; the
-- trigger above only ever adds words.
CREATE FUNCTION search_rebuild_dictionary() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  kept integer;
BEGIN
  CREATE TEMP TABLE search_word_counts ON COMMIT DROP AS
  SELECT w AS word, count(*)::integer AS ndoc
  FROM products p,
       search_words_of(p.name || ' ' || p.brand || ' ' || category_search_text(p.category_id)) AS w
  WHERE p.deleted_at IS NULL
  GROUP BY w;
  DELETE FROM search_words s
  WHERE NOT EXISTS (SELECT 1 FROM search_word_counts c WHERE c.word = s.word);
  INSERT INTO search_words (word, ndoc) SELECT word, ndoc FROM search_word_counts
  ON CONFLICT (word) DO UPDATE SET ndoc = EXCLUDED.ndoc;
  GET DIAGNOSTICS kept = ROW_COUNT;
  DROP TABLE search_word_counts;
  RETURN kept;
END $$;
SELECT search_rebuild_dictionary();

-- The feed of an external index. When outbox_enabled (set by a server that
-- has MEILI_URL), every statement that writes products or offers records the
-- products it touched in the outbox, in its own transaction: the indexer
-- drains them later, so a committed write is never missed, even across
-- restarts. Off by default: the embedded backend needs no feed.
CREATE TABLE search_index_state (
  only_row       boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  outbox_enabled boolean NOT NULL DEFAULT false
);
INSERT INTO search_index_state DEFAULT VALUES;

CREATE FUNCTION search_outbox_products() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (SELECT outbox_enabled FROM search_index_state) THEN
    INSERT INTO outbox (topic, aggregate_id)
    SELECT DISTINCT 'search.product', id FROM changed_rows;
  END IF;
  RETURN NULL;
END $$;
CREATE FUNCTION search_outbox_offers() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (SELECT outbox_enabled FROM search_index_state) THEN
    INSERT INTO outbox (topic, aggregate_id)
    SELECT DISTINCT 'search.product', product_id FROM changed_rows;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER products_search_outbox_insert AFTER INSERT ON products
  REFERENCING NEW TABLE AS changed_rows
  FOR EACH STATEMENT EXECUTE FUNCTION search_outbox_products();
CREATE TRIGGER products_search_outbox_update AFTER UPDATE ON products
  REFERENCING NEW TABLE AS changed_rows
  FOR EACH STATEMENT EXECUTE FUNCTION search_outbox_products();
CREATE TRIGGER products_search_outbox_delete AFTER DELETE ON products
  REFERENCING OLD TABLE AS changed_rows
  FOR EACH STATEMENT EXECUTE FUNCTION search_outbox_products();
-- A new offer adds a store to the product's filterable stores.
CREATE TRIGGER offers_search_outbox_insert AFTER INSERT ON offers
  REFERENCING NEW TABLE AS changed_rows
  FOR EACH STATEMENT EXECUTE FUNCTION search_outbox_offers();

-- The tsquery of a planned query (search/query.py), built from its words by
-- PostgreSQL's own parsers, never from text spliced into tsquery syntax.
-- `groups` is [{"alts": ["tv", "smart tv"], "prefix": "tv"}, ...]: each
-- group matches any of its alternatives (a word or a phrase, in any of the
-- three configurations) or, with "prefix", a word starting with it. Groups
-- are ANDed when match_all, else ORed. Prefixes are [a-z0-9]+ (the service
-- folds every word), and quote_literal keeps even that a single lexeme.
CREATE FUNCTION search_tsquery(groups jsonb, match_all boolean) RETURNS tsquery
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  g jsonb;
  alt text;
  one tsquery;
  any_of tsquery;
  result tsquery;
BEGIN
  FOR g IN SELECT value FROM jsonb_array_elements(groups) LOOP
    any_of := NULL;
    -- Each alternative in each configuration, once: "samsung" is the same
    -- lexeme in all three, and every repeat costs ranking time per hit.
    FOR one IN
      SELECT DISTINCT ON (q::text) q
      FROM jsonb_array_elements_text(g -> 'alts') AS a(alt),
           LATERAL (VALUES (phraseto_tsquery('vitrine_simple'::regconfig, a.alt)),
                           (phraseto_tsquery('vitrine_pt'::regconfig, a.alt)),
                           (phraseto_tsquery('vitrine_en'::regconfig, a.alt))) AS v(q)
      WHERE numnode(q) > 0
    LOOP
      any_of := CASE WHEN any_of IS NULL THEN one ELSE any_of || one END;
    END LOOP;
    IF g ? 'prefix' THEN
      one := to_tsquery('vitrine_simple'::regconfig, quote_literal(g ->> 'prefix') || ':*');
      any_of := CASE WHEN any_of IS NULL THEN one ELSE any_of || one END;
    END IF;
    CONTINUE WHEN any_of IS NULL OR numnode(any_of) = 0;
    result := CASE WHEN result IS NULL THEN any_of
                   WHEN match_all THEN result && any_of
                   ELSE result || any_of END;
  END LOOP;
  RETURN result;  -- NULL when nothing is left to match: no row matches
END $$;

-- What the dictionary knows of each typed word: whether it is a word,
-- whether some word starts with it, and (for an unknown word of 4 letters or
-- more) its closest words by trigram similarity, which the service then
-- checks by edit distance. The threshold is low because a swapped pair of
-- letters breaks three trigrams ("iphnoe" and "iphone" share only 3 of 11).
CREATE FUNCTION search_word_lookup(tokens text[])
RETURNS TABLE (token text, known boolean, extends boolean, candidate text, ndoc integer)
LANGUAGE sql STABLE SET pg_trgm.similarity_threshold = 0.2 AS $$
  SELECT t.token, k.known, k.extends, c.word, c.ndoc
  FROM unnest(tokens) AS t(token)
  CROSS JOIN LATERAL (
    SELECT EXISTS (SELECT 1 FROM search_words w WHERE w.word = t.token) AS known,
           EXISTS (SELECT 1 FROM search_words w
                   WHERE w.word ~>=~ t.token AND w.word ~<~ (t.token || '{')) AS extends
  ) k
  LEFT JOIN LATERAL (
    SELECT w.word, w.ndoc FROM search_words w
    WHERE w.word % t.token
    ORDER BY similarity(w.word, t.token) DESC, w.ndoc DESC
    LIMIT 8
  ) c ON NOT k.known AND length(t.token) >= 4
$$;
