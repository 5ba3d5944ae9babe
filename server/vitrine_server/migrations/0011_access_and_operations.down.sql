DROP TABLE operations;
DROP TABLE api_keys;
