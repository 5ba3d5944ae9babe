"""How the README test reads grpcurl examples and their stated answers
(tests/acceptance/examples.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.acceptance.examples import Expected, blocks, grpcurl_error, match, parse_expected

DOC = """
# Title

```sh
KEY=k; G=".tools/bin/grpcurl -H x-api-key:$KEY"; S=127.0.0.1:50051
NOW=$(date -u +%FT%TZ)
$G -d '{"id": 1,
        "x": "y"}' $S pkg.S/Get
# -> {"product": {"id": "1", ...},
#     "etag": "3f..."}
$G $S list
make protoset   # a setup step
$G -d '{"id": "3f..."}' $S pkg.S/Revoke
# -> {} | FailedPrecondition   (a remark)
```

```python
print("not a shell block: grpcurl")
```

<!-- examples: not run: needs TLS -->
```sh
$G -cacert ca.pem $S list
```

```sh
curl -s http://127.0.0.1:9464/metrics
```
"""


@pytest.fixture
def doc(tmp_path: Path) -> Path:
    path = tmp_path / "doc.md"
    path.write_text(DOC)
    return path


def test_blocks_and_statements(doc: Path) -> None:
    found = blocks(doc)
    assert [b.not_run for b in found] == ["", "needs TLS"]
    statements = found[0].statements
    assert [s.is_assignment for s in statements] == [True, True, False, False, False, False]
    assert [s.is_grpcurl for s in statements] == [True, False, True, True, False, True]
    get = statements[2]
    assert get.text.endswith("pkg.S/Get") and '"x": "y"' in get.text
    assert get.calls_a_method and not statements[3].calls_a_method
    assert parse_expected(get.expected) == [Expected("", {"product": {"id": "1"}, "etag": "3f..."})]
    assert parse_expected(statements[5].expected) == [
        Expected("", {}),
        Expected("FailedPrecondition", None),
    ]


def test_matching_binds_examples_to_the_actual_values() -> None:
    bindings: dict[str, str] = {}
    expected = {"product": {"id": "1"}, "etag": "3f...", "tags": ["a"]}
    actual = {"product": {"id": "1", "name": "n"}, "etag": "3f9c", "tags": ["a", "b"]}
    assert match(expected, actual, bindings) is None
    assert bindings == {"3f...": "3f9c"}
    assert match({"product": {"id": "2"}}, actual, {}) == ".product.id: expected '2', got '1'"
    assert "missing" in (match({"other": 1}, actual, {}) or "")
    assert match({"delete_time": "..."}, {"delete_time": "2026"}, bindings) is None
    assert "..." not in bindings, "a bare ... is not an example to remember"


def test_grpcurl_errors_are_read() -> None:
    stderr = (
        "ERROR:\n  Code: InvalidArgument\n  Message: bad\n  Details:\n"
        '  1)\t{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "X"}\n'
    )
    assert grpcurl_error(stderr) == (
        "InvalidArgument",
        [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "X"}],
    )
