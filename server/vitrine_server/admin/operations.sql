-- name: close_abandoned
-- Close running operations of kind $1 whose heartbeat stopped more than $2
-- seconds ago: the server that ran them is gone.
UPDATE operations
   SET done = true, finished_at = now(), updated_at = now(), error_code = 10,
       error_message = 'abandoned: the server running it stopped before it finished'
 WHERE kind = $1 AND NOT done AND updated_at < now() - make_interval(secs => $2);

-- name: start_operation
-- A new running operation, unless one of its kind is running already.
INSERT INTO operations (id, kind) VALUES ($1, $2)
ON CONFLICT DO NOTHING
RETURNING id, kind, done, processed, total, result, error_code, error_message,
          created_at, updated_at, finished_at;

-- name: running_operation
-- The running operation of kind $1, if any.
SELECT id FROM operations WHERE kind = $1 AND NOT done;

-- name: get_operation
-- One operation.
SELECT id, kind, done, processed, total, result, error_code, error_message,
       created_at, updated_at, finished_at
  FROM operations WHERE id = $1;

-- name: report_progress
-- Progress (and the heartbeat) of a running operation.
UPDATE operations SET processed = $2, total = $3, updated_at = now()
 WHERE id = $1 AND NOT done;

-- name: finish_operation
-- Close an operation with its result, or its error ($4 code, $5 message).
UPDATE operations
   SET done = true, processed = $2, result = $3, error_code = $4, error_message = $5,
       updated_at = now(), finished_at = now()
 WHERE id = $1 AND NOT done;
