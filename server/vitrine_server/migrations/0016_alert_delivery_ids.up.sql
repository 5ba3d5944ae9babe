-- Alert delivery checks what Redis holds against what PostgreSQL recorded:
-- each published trigger keeps the id of the stream entry it was last
-- published as. A trigger not yet delivered whose entry the stream no longer
-- holds (Redis flushed, restarted without persistence or from an older
-- snapshot, the stream deleted or trimmed) is published again. Redis cannot
-- make a lost entry look present, whatever it recreated since.
ALTER TABLE price_alert_triggers ADD COLUMN delivery_id text;
-- The undelivered published triggers by publication time: the first and the
-- last are checked every round (pricing/alerts.py).
CREATE INDEX price_alert_triggers_published_idx ON price_alert_triggers (published_at)
  WHERE delivered_at IS NULL AND published_at IS NOT NULL;
