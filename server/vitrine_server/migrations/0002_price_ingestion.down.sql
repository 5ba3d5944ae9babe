DROP FUNCTION record_price_observations(bigint[], bigint[], timestamptz[], text[], bigint[], bigint[], boolean[]);
DROP FUNCTION record_price_observation(bigint, bigint, timestamptz, text, bigint, bigint, boolean);
DROP TABLE ingest_batches;
