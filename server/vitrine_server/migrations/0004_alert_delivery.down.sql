DROP INDEX price_alerts_user_idx;
ALTER TABLE price_alert_triggers DROP COLUMN published_at;
