"""SearchService: full-text product search with an embedded PostgreSQL
backend and an optional MeiliSearch backend kept in step by the outbox."""
