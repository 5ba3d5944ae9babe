-- The pool plans every statement with its values (plan_cache_mode =
-- force_custom_plan, for the optional filters of list queries). Inside the
-- ingestion functions that meant re-planning each lookup, against every
-- price_points partition, once per observation: 1.7 ms of planning for
-- 0.15 ms of work. Generic plans prune partitions when they run instead.
ALTER FUNCTION record_price_observation(bigint, bigint, timestamptz, text, bigint, bigint, boolean)
  SET plan_cache_mode = auto;
ALTER FUNCTION record_price_observations(bigint[], bigint[], timestamptz[], text[], bigint[],
                                         bigint[], boolean[])
  SET plan_cache_mode = auto;
