"""The grpcurl examples of the documentation, as a reader would run them.

`blocks(path)` reads the ```sh blocks of a Markdown file that use grpcurl
(by name, or as `$G`) and splits them into statements, each with the expected answer the
documentation states for it, if any. A statement spans several lines while
a quote is open (JSON in single quotes) or a line ends with a backslash.

What a block may say about an answer, on the lines right after a statement:

    # -> {"removed": true}              the first JSON printed holds these
                                        fields with these values (extra
                                        fields are fine; `...` stands for
                                        "and the rest")
    # -> {"api_key": {"id": "3f9c..."}} a string with `...` is an example:
                                        any string matches, and where the
                                        same string appears in a later
                                        command it is replaced by the value
                                        the answer had
    # -> NotFound                       the call fails with this code
    # -> {...}   (a remark)             text in parentheses after it is for the reader
    # -> DeadlineExceeded {...}         both: a stream ended by -max-time
    # -> {...} | FailedPrecondition     either (a feature some servers lack)
    #    {"more": "json"}               continues the line above

Without a stated answer, a call must succeed, and an RPC must answer
something (not `{}`): an empty answer shows a reader nothing.

A block preceded by `<!-- examples: not run: <why> -->` is left out, and
the reason is reported.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_FENCE = re.compile(r"^```(\w*)\s*$")
_NOT_RUN = re.compile(r"<!--\s*examples:\s*not run:\s*(.+?)\s*-->")
_ASSIGNMENT = re.compile(r"^[A-Z_][A-Z0-9_]*=")
_CODE = re.compile(r"^([A-Z][A-Za-z]+)\b\s*(.*)$", re.DOTALL)
_STRING = re.compile(r'"(?:\\.|[^"\\])*"')


@dataclass
class Statement:
    source: str  # the file and line, for messages
    text: str
    expected: str = ""

    @property
    def is_grpcurl(self) -> bool:
        return _uses_grpcurl(self.text)

    @property
    def is_assignment(self) -> bool:
        """Variables (`G="..."; S=...`, `NOW=$(date ...)`): the session's
        settings, kept for what follows."""
        return bool(_ASSIGNMENT.match(self.text.lstrip()))

    @property
    def calls_a_method(self) -> bool:
        """An RPC (the last word names Service/Method), not `list` or `describe`."""
        words = shlex.split(self.text, comments=True)
        return bool(words) and "/" in words[-1]


@dataclass
class Block:
    source: str
    statements: list[Statement] = field(default_factory=list)
    not_run: str = ""  # why, when the documentation says it is not run


def blocks(path: Path) -> list[Block]:
    """The ```sh blocks of `path` that use grpcurl."""
    out: list[Block] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        fence = _FENCE.match(lines[i])
        if not fence:
            i += 1
            continue
        start = i
        i += 1
        body: list[tuple[int, str]] = []
        while i < len(lines) and not _FENCE.match(lines[i]):
            body.append((i + 1, lines[i]))
            i += 1
        i += 1
        if fence.group(1) not in ("sh", "bash", "shell") or not any(
            _uses_grpcurl(text) for _, text in body
        ):
            continue
        before = "\n".join(lines[max(0, start - 3) : start])
        skip = _NOT_RUN.search(before)
        block = Block(f"{path.name}:{start + 1}", not_run=skip.group(1) if skip else "")
        block.statements = _statements(path.name, body)
        out.append(block)
    return out


def _uses_grpcurl(line: str) -> bool:
    """grpcurl itself, or `$G`, the name the documentation gives it."""
    return "grpcurl" in line or line.lstrip().startswith("$G ")


def _complete(text: str) -> bool:
    if text.rstrip().endswith("\\"):
        return False
    try:
        shlex.split(text, comments=True)
    except ValueError:  # a quote still open
        return False
    return True


def _statements(name: str, body: list[tuple[int, str]]) -> list[Statement]:
    out: list[Statement] = []
    pending: list[str] = []
    first = 0
    expecting = False
    for number, line in body:
        stripped = line.strip()
        if not pending:
            if stripped.startswith("# ->") and out:
                out[-1].expected = stripped[4:].strip()
                expecting = True
                continue
            if stripped.startswith("#   ") and expecting and out:
                out[-1].expected += " " + stripped[1:].strip()
                continue
            expecting = False
            if not stripped or stripped.startswith("#"):
                continue
            first = number
        pending.append(line)
        text = "\n".join(pending)
        if _complete(text):
            out.append(Statement(f"{name}:{first}", text))
            pending = []
    if pending:
        raise ValueError(f"{name}:{first}: a statement never ends (an unclosed quote?)")
    return out


# -- expected answers ---------------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    code: str  # "" for success
    value: Any  # JSON the answer holds, or None


def parse_expected(text: str) -> list[Expected]:
    """The answers a statement may give: alternatives separated by ` | `
    (e.g. `{...} | FailedPrecondition` where a server may lack a feature)."""
    return [_one(part) for part in re.split(r"\s+\|\s+(?=[A-Z{\[])", text.strip())]


def _one(text: str) -> Expected:
    text = text.strip()
    code = ""
    found = _CODE.match(text)
    if found:
        code, text = found.group(1), found.group(2).strip()
    if not text or text.startswith("("):  # a remark for the reader
        return Expected(code, None)
    return Expected(code, _loads(text))


def _loads(text: str) -> Any:
    """JSON in which a bare `...` means "and the rest"."""
    pieces = []
    last = 0
    for m in _STRING.finditer(text):
        pieces.append(text[last : m.start()].replace("...", ""))
        pieces.append(m.group())
        last = m.end()
    pieces.append(text[last:].replace("...", ""))
    cleaned = "".join(pieces)
    # What removing `...` left behind: `, }`, `{ , `, `, ,`.
    cleaned = re.sub(r",\s*([}\]])", r"\1", cleaned)
    cleaned = re.sub(r"([{\[])\s*,", r"\1", cleaned)
    cleaned = re.sub(r",\s*,", ",", cleaned)
    value, end = json.JSONDecoder().raw_decode(cleaned)
    rest = cleaned[end:].strip()
    if rest and not rest.startswith("("):  # after the JSON, only a remark in parentheses
        raise ValueError(f"unexpected text after the JSON: {rest!r}")
    return value


def match(expected: Any, actual: Any, bindings: dict[str, str], at: str = "") -> str | None:
    """Why `actual` does not hold `expected` (None when it does); example
    strings (with `...`) are bound to the actual strings."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return f"{at or 'the answer'}: expected an object, got {actual!r}"
        for key, value in expected.items():
            if key not in actual:
                return f"{at}.{key}: missing (answer has {sorted(actual)})"
            problem = match(value, actual[key], bindings, f"{at}.{key}")
            if problem:
                return problem
        return None
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) < len(expected):
            return f"{at}: expected at least {len(expected)} items, got {actual!r}"
        for i, value in enumerate(expected):
            problem = match(value, actual[i], bindings, f"{at}[{i}]")
            if problem:
                return problem
        return None
    if isinstance(expected, str) and "..." in expected:
        if not isinstance(actual, str):
            return f"{at}: expected a string like {expected!r}, got {actual!r}"
        if expected != "...":  # "..." alone: any string, nothing to remember
            bindings.setdefault(expected, actual)
        return None
    if expected != actual:
        return f"{at}: expected {expected!r}, got {actual!r}"
    return None


def json_values(text: str) -> list[Any]:
    """The JSON documents grpcurl printed, one after another."""
    decoder = json.JSONDecoder()
    values, i = [], 0
    text = text.strip()
    while i < len(text):
        value, end = decoder.raw_decode(text, i)
        values.append(value)
        i = end
        while i < len(text) and text[i].isspace():
            i += 1
    return values


_ERROR_CODE = re.compile(r"^\s*Code:\s*(\w+)", re.MULTILINE)
_DETAIL = re.compile(r"^\s*\d+\)\s*(\{.*\})\s*$", re.MULTILINE)


def grpcurl_error(stderr: str) -> tuple[str, list[Any]]:
    """The status code and decoded details of a failed grpcurl call."""
    code = _ERROR_CODE.search(stderr)
    details = [json.loads(m.group(1)) for m in _DETAIL.finditer(stderr)]
    return (code.group(1) if code else ""), details
