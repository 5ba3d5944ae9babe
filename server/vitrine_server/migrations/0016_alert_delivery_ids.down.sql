DROP INDEX price_alert_triggers_published_idx;
ALTER TABLE price_alert_triggers DROP COLUMN delivery_id;
