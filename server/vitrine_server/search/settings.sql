-- name: synonym_groups
SELECT terms FROM search_synonym_groups ORDER BY id;

-- name: stop_words
SELECT word FROM search_stop_words ORDER BY word;

-- name: lock_settings
-- Replacements of the settings run one at a time.
LOCK TABLE search_synonym_groups IN SHARE ROW EXCLUSIVE MODE;

-- name: clear_settings
DELETE FROM search_synonym_groups;

-- name: clear_stop_words
DELETE FROM search_stop_words;

-- name: insert_synonym_groups
-- $1 is a JSON array of arrays of terms (a text[][] cannot be ragged).
INSERT INTO search_synonym_groups (terms)
SELECT ARRAY(SELECT jsonb_array_elements_text(g.terms))
FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS g(terms, n)
ORDER BY g.n;

-- name: insert_stop_words
INSERT INTO search_stop_words (word) SELECT unnest($1::text[]);
