"""The Lua scripts Vitrine runs in Redis, one named file each.

Each file says at its top what its KEYS and ARGV are and gives the keys
local names; `script("cache_read")` reads one (package data, through
importlib.resources) with its SHA-1 for EVALSHA.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True, slots=True)
class Script:
    name: str
    source: str
    # Its SHA-1, for EVALSHA (computed once: reads send it on every call).
    sha: str


@cache
def script(name: str) -> Script:
    source = resources.files(__package__).joinpath(f"{name}.lua").read_text(encoding="utf-8")
    return Script(name, source, hashlib.sha1(source.encode()).hexdigest())
