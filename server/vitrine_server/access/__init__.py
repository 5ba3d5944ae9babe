"""Access control: API keys, their scopes, and per-key rate limits."""
