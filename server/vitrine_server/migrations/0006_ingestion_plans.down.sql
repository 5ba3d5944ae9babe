ALTER FUNCTION record_price_observation(bigint, bigint, timestamptz, text, bigint, bigint, boolean)
  RESET plan_cache_mode;
ALTER FUNCTION record_price_observations(bigint[], bigint[], timestamptz[], text[], bigint[],
                                         bigint[], boolean[])
  RESET plan_cache_mode;
