"""SearchService: product search from an embedded index (Tantivy), or from
MeiliSearch when configured; both follow PostgreSQL through the outbox log."""
