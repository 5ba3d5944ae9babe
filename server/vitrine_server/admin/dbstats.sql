-- name: database_overview
-- Size, buffer cache reads, deadlocks and temporary files of this database.
SELECT current_database() AS name,
       pg_database_size(current_database()) AS bytes,
       d.blks_hit, d.blks_read, d.deadlocks, d.temp_files, d.temp_bytes, d.stats_reset
  FROM pg_stat_database d
 WHERE d.datname = current_database();

-- name: connections_by_state
-- Connections to this database by state.
SELECT coalesce(state, 'unknown') AS state, count(*)::int AS n
  FROM pg_stat_activity
 WHERE datname = current_database()
 GROUP BY 1
 ORDER BY 1;

-- name: largest_tables
-- The $1 largest tables with sizes, scans and estimated bloat: heap bytes
-- beyond what reltuples rows of the analyzed average width need (tuple
-- header and item pointer: 28 bytes each; a page keeps 24 bytes for itself),
-- or the dead rows' share of the heap where the table was never analyzed.
WITH widths AS (
  SELECT schemaname, tablename, sum(avg_width)::float8 AS width
    FROM pg_stats
   GROUP BY 1, 2
)
SELECT s.schemaname || '.' || s.relname AS name,
       s.n_live_tup AS live_rows,
       s.n_dead_tup AS dead_rows,
       pg_relation_size(s.relid) AS table_bytes,
       pg_indexes_size(s.relid) AS index_bytes,
       pg_total_relation_size(s.relid) AS total_bytes,
       CASE
         WHEN w.width IS NULL OR c.reltuples <= 0 THEN
           (pg_relation_size(s.relid)::float8 * s.n_dead_tup
             / greatest(s.n_live_tup + s.n_dead_tup, 1))::bigint
         ELSE greatest(0, pg_relation_size(s.relid)
           - ceil(c.reltuples * (w.width + 28)
                  / (current_setting('block_size')::int - 24))::bigint
             * current_setting('block_size')::int)
       END AS bloat_bytes,
       s.seq_scan AS seq_scans,
       coalesce(s.idx_scan, 0) AS index_scans,
       greatest(s.last_vacuum, s.last_autovacuum) AS last_vacuum
  FROM pg_stat_user_tables s
  JOIN pg_class c ON c.oid = s.relid
  LEFT JOIN widths w ON w.schemaname = s.schemaname AND w.tablename = s.relname
 ORDER BY total_bytes DESC, name
 LIMIT $1;

-- name: largest_indexes
-- The $1 largest indexes, with their scans.
SELECT s.schemaname || '.' || s.indexrelname AS name,
       s.schemaname || '.' || s.relname AS table_name,
       pg_relation_size(s.indexrelid) AS bytes,
       s.idx_scan AS scans
  FROM pg_stat_user_indexes s
 ORDER BY bytes DESC, name
 LIMIT $1;

-- name: unused_indexes
-- Indexes never scanned since the statistics were reset; unique ones only if $1.
SELECT s.schemaname || '.' || s.indexrelname AS name,
       s.schemaname || '.' || s.relname AS table_name,
       pg_relation_size(s.indexrelid) AS bytes,
       pg_get_indexdef(s.indexrelid) AS definition,
       i.indisunique AS is_unique
  FROM pg_stat_user_indexes s
  JOIN pg_index i ON i.indexrelid = s.indexrelid
 WHERE s.idx_scan = 0 AND ($1 OR NOT i.indisunique)
 ORDER BY bytes DESC, name;

-- name: partitions
-- Partitions of every partitioned table in public: attached ones with their
-- bounds, then tables named like one (`<parent>_yyyy_mm`) that retention detached.
SELECT p.relname AS parent, c.relname AS name,
       pg_get_expr(c.relpartbound, c.oid) AS bound,
       pg_total_relation_size(c.oid) AS total_bytes,
       greatest(c.reltuples, 0)::bigint AS estimated_rows,
       true AS attached
  FROM pg_inherits i
  JOIN pg_class c ON c.oid = i.inhrelid
  JOIN pg_class p ON p.oid = i.inhparent
 WHERE p.relkind = 'p' AND p.relnamespace = 'public'::regnamespace
UNION ALL
SELECT p.relname, c.relname, '', pg_total_relation_size(c.oid),
       greatest(c.reltuples, 0)::bigint, false
  FROM pg_class c
  JOIN pg_class p ON p.relkind = 'p' AND p.relnamespace = c.relnamespace
   AND c.relname ~ ('^' || p.relname || '_[0-9]{4}_[0-9]{2}$')
 WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace AND NOT c.relispartition
 ORDER BY attached DESC, parent, name;

-- name: statements_extension
-- Whether pg_stat_statements is preloaded, and its version in this database.
SELECT 'pg_stat_statements' = ANY (string_to_array(
         replace(current_setting('shared_preload_libraries'), ' ', ''), ',')) AS preloaded,
       (SELECT extversion FROM pg_extension WHERE extname = 'pg_stat_statements') AS version;

-- name: slow_queries
-- This database's statements from pg_stat_statements: $1 of them, called at
-- least $2 times, by $3 ('total', 'mean' or 'calls').
SELECT query, calls, total_exec_time, mean_exec_time, max_exec_time, rows,
       shared_blks_hit, shared_blks_read
  FROM pg_stat_statements
 WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
   AND calls >= $2
 ORDER BY CASE $3::text
            WHEN 'mean' THEN mean_exec_time
            WHEN 'calls' THEN calls::float8
            ELSE total_exec_time
          END DESC
 LIMIT $1;
