"""Vitrine's server. Importing it makes every logger safe to pass fields to (log.py)."""

from vitrine_server import log as _log

_log.install()
