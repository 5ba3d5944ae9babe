-- Alert delivery: a trigger is published to a Redis Stream after its
-- transaction commits (published_at), and delivered once a consumer group
-- acknowledges it (delivered_at). What is not delivered is published again
-- when Redis has lost it, so nothing is lost to a Redis flush or restart.
ALTER TABLE price_alert_triggers ADD COLUMN published_at timestamptz;
-- A user's alerts, newest first.
CREATE INDEX price_alerts_user_idx ON price_alerts (user_id, created_at DESC, id DESC)
  WHERE deleted_at IS NULL;
