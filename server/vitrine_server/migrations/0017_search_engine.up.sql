-- Search moves to an embedded search engine (Tantivy) in the service's own
-- process; PostgreSQL stays the source of truth and feeds every index
-- through the outbox, read as an ordered log.
--
-- 1. The PostgreSQL full-text backend of 0009 goes: product_search, the typo
--    dictionary (search_words), their triggers and functions, and the text
--    search configurations. The settings tables (synonyms, stop words) stay.
-- 2. The outbox becomes a log. Every row records the transaction that wrote
--    it (`tx`, pg_current_xact_id()). Identity ids are handed out at insert
--    but become visible at commit, out of order, so a reader that resumes
--    "after the last id it saw" can skip a row whose transaction committed
--    late. A reader instead remembers the snapshot (pg_current_snapshot())
--    its last read saw: the rows to read next are those visible now and not
--    visible in that snapshot, exactly the transactions that committed in
--    between, whatever their ids and however long they ran. Rows are no
--    longer deleted by their consumer: each consumer keeps its own position,
--    and old rows are pruned by age (outbox_horizon).
-- 3. Every change that alters a search document writes to the outbox in its
--    own transaction, whatever wrote it (the service, ingestion, COPY, SQL by
--    hand): products (insert, search-visible updates, soft deletes and
--    undeletes, hard deletes), offers (a new store for a product), categories
--    and stores (their names are facet labels and category names are
--    searchable). Always on: the embedded index needs the feed too.

DROP TRIGGER offers_search_outbox_insert ON offers;
DROP TRIGGER products_search_outbox_delete ON products;
DROP TRIGGER products_search_outbox_update ON products;
DROP TRIGGER products_search_outbox_insert ON products;
DROP FUNCTION search_outbox_offers();
DROP FUNCTION search_outbox_products();
DROP TABLE search_index_state;

DROP FUNCTION search_word_lookup(text[]);
DROP FUNCTION search_tsquery(jsonb, boolean);
DROP FUNCTION search_rebuild_dictionary();
DROP TRIGGER offers_search_store_ids ON offers;
DROP FUNCTION offers_search_store_ids();
DROP TRIGGER categories_search_rename ON categories;
DROP FUNCTION categories_search_rename();
DROP TRIGGER products_search_update ON products;
DROP FUNCTION products_search_update();
DROP TRIGGER products_search_insert ON products;
DROP FUNCTION products_search_insert();
DROP FUNCTION search_learn_words(text);
DROP TABLE search_words;
DROP FUNCTION refresh_product_search(bigint[]);
DROP TABLE product_search;
DROP FUNCTION product_search_rank_doc(text, text, bigint);
DROP FUNCTION search_words_of(text);
DROP FUNCTION category_search_text(bigint);
DROP FUNCTION search_field(text, "char");
DROP TEXT SEARCH CONFIGURATION vitrine_simple;
DROP TEXT SEARCH CONFIGURATION vitrine_en;
DROP TEXT SEARCH CONFIGURATION vitrine_pt;
-- unaccent and pg_trgm (extensions, created by 0009) stay: dropping an
-- extension would break anything else in the database that uses it.

-- The log. `tx` is the writing transaction's id as a bigint (xid8 with its
-- epoch; it fits a bigint for the next 2^31 epochs), so readers compare plain
-- numbers. The default fills it for every writer, triggers or not.
DROP INDEX outbox_pending_idx;
ALTER TABLE outbox DROP COLUMN processed_at;
ALTER TABLE outbox ADD COLUMN tx bigint NOT NULL DEFAULT pg_current_xact_id()::text::bigint;
CREATE INDEX outbox_log_idx ON outbox (tx, id);

-- Rows of transactions below `tx` may have been pruned: a consumer whose
-- snapshot's xmin is below it may have missed rows, and rebuilds its index
-- from the tables.
CREATE TABLE outbox_horizon (
  only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  tx       bigint NOT NULL DEFAULT 0
);
INSERT INTO outbox_horizon DEFAULT VALUES;

-- Where each consumer is: the snapshot it has applied (and, while it
-- consumes a long stretch in slices, the snapshot it is moving to and the
-- last row taken). An external index (MeiliSearch) keeps its position here,
-- moved in the transaction that records what it applied; an embedded index
-- keeps its own inside the index and reports it here. Pruning goes by age,
-- not by the slowest consumer.
CREATE TABLE outbox_consumers (
  name       text PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 300),
  position   jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Products: a row per product whose search document changed. Updates that
-- touch nothing a search shows (last_scraped_at, best_offer_id with the same
-- price, version bumps alone) write nothing. Set-based: one INSERT per
-- statement, however many rows it changed.
CREATE FUNCTION outbox_products_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    INSERT INTO outbox (topic, aggregate_id)
    SELECT 'search.product', n.id
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE (o.name, o.slug, o.brand, o.description, o.category_id, o.image_url, o.rating,
           o.review_count, o.currency_code, o.best_price_minor, o.best_store_id,
           o.best_in_stock, o.discount_bps, o.created_at, o.deleted_at)
          IS DISTINCT FROM
          (n.name, n.slug, n.brand, n.description, n.category_id, n.image_url, n.rating,
           n.review_count, n.currency_code, n.best_price_minor, n.best_store_id,
           n.best_in_stock, n.discount_bps, n.created_at, n.deleted_at);
  ELSIF TG_OP = 'INSERT' THEN
    INSERT INTO outbox (topic, aggregate_id) SELECT 'search.product', id FROM new_rows;
  ELSE
    INSERT INTO outbox (topic, aggregate_id) SELECT 'search.product', id FROM old_rows;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER products_outbox_insert AFTER INSERT ON products
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION outbox_products_changed();
CREATE TRIGGER products_outbox_update AFTER UPDATE ON products
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION outbox_products_changed();
CREATE TRIGGER products_outbox_delete AFTER DELETE ON products
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION outbox_products_changed();

-- Offers: a new offer may add a store to the product's searchable stores.
-- (Prices and stock reach search through the product's best offer, above;
-- offers never move to another product or store.)
CREATE FUNCTION outbox_offers_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO outbox (topic, aggregate_id)
  SELECT DISTINCT 'search.product', product_id FROM new_rows;
  RETURN NULL;
END $$;
CREATE TRIGGER offers_outbox_insert AFTER INSERT ON offers
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION outbox_offers_inserted();

-- Categories and stores: their names label facets; a category's name and
-- path are also part of the documents of every product below it (the
-- indexer reindexes those).
CREATE FUNCTION outbox_labels_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    INSERT INTO outbox (topic, aggregate_id) SELECT TG_ARGV[0], id FROM old_rows;
  ELSE
    INSERT INTO outbox (topic, aggregate_id) SELECT TG_ARGV[0], id FROM new_rows;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER categories_outbox_insert AFTER INSERT ON categories
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION outbox_labels_changed('search.category');
CREATE TRIGGER categories_outbox_update AFTER UPDATE ON categories
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION outbox_labels_changed('search.category');
CREATE TRIGGER categories_outbox_delete AFTER DELETE ON categories
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION outbox_labels_changed('search.category');
CREATE TRIGGER stores_outbox_insert AFTER INSERT ON stores
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION outbox_labels_changed('search.store');
CREATE TRIGGER stores_outbox_update AFTER UPDATE ON stores
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION outbox_labels_changed('search.store');
CREATE TRIGGER stores_outbox_delete AFTER DELETE ON stores
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION outbox_labels_changed('search.store');
