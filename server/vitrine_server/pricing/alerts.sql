-- name: create_alert
-- A new armed alert; the baseline is the product's current best price.
INSERT INTO price_alerts (user_id, product_id, kind, target_price_minor, drop_bps, currency_code,
                          baseline_price_minor, expires_at, armed)
SELECT $1, p.id, $3, $4, $5, p.currency_code, p.best_price_minor, $6,
       -- back in stock waits for an out-of-stock spell first
       NOT ($3 = 'back_in_stock' AND p.best_in_stock)
  FROM products p WHERE p.id = $2 AND p.deleted_at IS NULL
RETURNING id;

-- name: get_alerts
-- Alerts by id (deleted ones left out).
SELECT id, user_id, product_id, kind, target_price_minor, drop_bps, baseline_price_minor,
       armed, expires_at, last_triggered_at, created_at
  FROM price_alerts WHERE id = ANY($1::bigint[]) AND deleted_at IS NULL;

-- name: list_alerts
-- Keyset page of a user's alerts, newest first, after ($2, $3).
SELECT id FROM price_alerts
 WHERE user_id = $1 AND deleted_at IS NULL
   AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::bigint))
 ORDER BY created_at DESC, id DESC
 LIMIT $4;

-- name: alert_triggers
-- The latest triggers of alerts $1 (at most 20 each).
SELECT t.id, t.alert_id, t.product_id, a.user_id, t.cause, t.price_minor, t.triggered_at
  FROM unnest($1::bigint[]) AS x (alert_id)
 CROSS JOIN LATERAL (
   SELECT * FROM price_alert_triggers WHERE alert_id = x.alert_id
    ORDER BY triggered_at DESC, id DESC LIMIT 20) t
  JOIN price_alerts a ON a.id = t.alert_id
 ORDER BY t.alert_id, t.triggered_at DESC, t.id DESC;

-- name: delete_alert
-- Soft-delete an alert (its triggers stay, for the record).
UPDATE price_alerts SET deleted_at = now(), updated_at = now()
 WHERE id = $1 AND deleted_at IS NULL RETURNING id;

-- name: rearm_alerts
-- Alerts of products $1 that triggered and whose condition no longer holds
-- wait again: the price went back above the target (or out of stock).
UPDATE price_alerts a SET armed = true, updated_at = now()
  FROM products p
 WHERE p.id = a.product_id AND a.product_id = ANY($1::bigint[])
   AND a.deleted_at IS NULL AND NOT a.armed
   AND (a.expires_at IS NULL OR a.expires_at > now())
   AND CASE a.kind
         WHEN 'target_price' THEN NOT p.best_in_stock OR p.best_price_minor > a.target_price_minor
         WHEN 'percent_drop' THEN NOT p.best_in_stock
              OR p.best_price_minor > a.baseline_price_minor * (10000 - a.drop_bps) / 10000
         WHEN 'back_in_stock' THEN NOT p.best_in_stock
         ELSE false END;

-- name: fire_alerts
-- Armed, unexpired alerts of products $1 whose condition holds now trigger:
-- one set-based statement for every alert of every changed product. Any-change
-- alerts stay armed with the new price as their baseline. Returns the triggers.
WITH fired AS (
  UPDATE price_alerts a
     SET armed = (a.kind = 'any_change'),
         baseline_price_minor = CASE WHEN a.kind = 'any_change' THEN p.best_price_minor
                                     ELSE a.baseline_price_minor END,
         last_triggered_at = now(),
         updated_at = now()
    FROM products p
   WHERE p.id = a.product_id AND a.product_id = ANY($1::bigint[])
     AND a.deleted_at IS NULL AND a.armed
     AND (a.expires_at IS NULL OR a.expires_at > now())
     AND CASE a.kind
           WHEN 'target_price' THEN p.best_in_stock AND p.best_price_minor <= a.target_price_minor
           WHEN 'percent_drop' THEN p.best_in_stock
                AND p.best_price_minor <= a.baseline_price_minor * (10000 - a.drop_bps) / 10000
           WHEN 'back_in_stock' THEN p.best_in_stock
           ELSE p.best_price_minor IS DISTINCT FROM a.baseline_price_minor END
  RETURNING a.id, a.product_id, a.kind, p.best_price_minor
)
INSERT INTO price_alert_triggers (alert_id, product_id, cause, price_minor)
SELECT id, product_id, kind, best_price_minor FROM fired
RETURNING id;

-- name: triggers_by_id
-- Undelivered triggers among $1, with their users (to publish after commit).
SELECT t.id, t.alert_id, t.product_id, a.user_id, t.cause, t.price_minor, t.triggered_at
  FROM price_alert_triggers t JOIN price_alerts a ON a.id = t.alert_id
 WHERE t.id = ANY($1::bigint[]) AND t.delivered_at IS NULL
 ORDER BY t.id;

-- name: unpublished_triggers
-- Undelivered triggers never published (Redis was down after their commit).
-- Young ones are left to the publish that follows their commit.
SELECT t.id, t.alert_id, t.product_id, a.user_id, t.cause, t.price_minor, t.triggered_at
  FROM price_alert_triggers t JOIN price_alerts a ON a.id = t.alert_id
 WHERE t.delivered_at IS NULL AND t.published_at IS NULL
   AND t.triggered_at < now() - interval '10 seconds'
 ORDER BY t.id
 LIMIT 10000;

-- name: undelivered_ends
-- The undelivered published triggers published first and last, with the
-- stream entries they were published as. If the stream still holds both,
-- Redis lost nothing: a flush or a deleted stream loses every entry, a
-- restart from an older snapshot the newest, a trimmed stream the oldest.
(SELECT id, delivery_id FROM price_alert_triggers
  WHERE delivered_at IS NULL AND published_at IS NOT NULL
  ORDER BY published_at LIMIT 1)
UNION ALL
(SELECT id, delivery_id FROM price_alert_triggers
  WHERE delivered_at IS NULL AND published_at IS NOT NULL
  ORDER BY published_at DESC LIMIT 1);

-- name: undelivered_published
-- Every undelivered published trigger, to find the ones the stream lost.
SELECT t.id, t.alert_id, t.product_id, a.user_id, t.cause, t.price_minor, t.triggered_at,
       t.delivery_id
  FROM price_alert_triggers t JOIN price_alerts a ON a.id = t.alert_id
 WHERE t.delivered_at IS NULL AND t.published_at IS NOT NULL
 ORDER BY t.id
 LIMIT 10000;

-- name: mark_published
-- These triggers ($1) are in the Redis Stream, as entries $2.
UPDATE price_alert_triggers t SET published_at = now(), delivery_id = x.delivery_id
  FROM unnest($1::bigint[], $2::text[]) AS x (id, delivery_id)
 WHERE t.id = x.id;

-- name: mark_delivered
-- A consumer group acknowledged these triggers.
UPDATE price_alert_triggers SET delivered_at = now()
 WHERE id = ANY($1::bigint[]) AND delivered_at IS NULL;
