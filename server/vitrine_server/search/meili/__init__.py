"""The MeiliSearch backend: index settings, documents, filter expressions,
searches, and the outbox indexer that keeps the index in step."""
