"""Checking what callers send, one module per kind of value.

Two layers, so that no RPC can forget either:

- At the RPC boundary, every request of every method is decoded without
  raising (rpc/decoding.py) and walked from its descriptor (rpc/guard.py):
  the rules that hold for a kind of value wherever it appears (a valid
  Timestamp or Duration, text without NUL and of bounded length, a finite
  number, a declared enum value, a list of bounded size) are applied to every
  field before a handler runs.
- Services then apply what a field means (a positive id, an amount of
  money, a time not in the future, a list of at most so many ids) with the
  helpers of this package: `times`, `text`, `refs` (ids), `money`, `lists`. Page
  tokens are their own kind in rpc/paging.py.

Each helper comes in two forms: `*_problem(value) -> str | None` (what is
wrong, for callers that reject one item of a batch on its own) and a form
that adds a field violation to an `errors.Violations`.
"""
