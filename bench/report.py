"""Turn a bench run into the printed table and the JSON file."""

from __future__ import annotations

import json
import os
import platform
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.catalog import ECHO, LABELS, BenchReport, Target
from bench.options import SERVER_OPTIONS


def _fmt(v: float | None, spec: str) -> str:
    return "-" if v is None else format(v, spec)


def _verdict(targets: list[Target]) -> str:
    if not targets:
        return ""
    if any(t.passed is False for t in targets):
        return "FAIL"
    if any(t.passed is None for t in targets):
        return "n/a"
    return "pass"


def table(report: BenchReport, targets: list[Target]) -> str:
    echo = report.results[ECHO].load if report.results[ECHO].measured else None
    header = (
        "scenario",
        "req/s",
        "p50 ms",
        "p99 ms",
        "p99/p50",
        "vs echo",
        "target (measured)",
        "result",
    )
    rows: list[tuple[str, ...]] = []
    for key, res in report.results.items():
        lr = res.load if res.measured else None
        mine = [t for t in targets if t.scenario == key]
        text = "; ".join(
            f"{t.text} ({'-' if t.value is None else format(t.value, ',.2f')})" for t in mine
        )
        if lr is None:
            rows.append((LABELS[key], "-", "-", "-", "-", "-", text or "-", "ERROR"))
            continue
        # Head-to-head rows: the median of per-round ratios (see catalog.py).
        ratio = res.info.get("vs_echo") or (lr.rps / echo.rps if echo else None)
        # p99/p50 is shown for every row: the echo's own value is the floor
        # the "p99 <= 3x p50" targets can be judged against.
        rows.append(
            (
                LABELS[key],
                f"{lr.rps:,.0f}",
                f"{lr.p50_ms:.2f}",
                f"{lr.p99_ms:.2f}",
                f"{lr.p99_ms / lr.p50_ms:.2f}",
                _fmt(ratio, ".2f") + ("x" if ratio is not None else ""),
                text or "-",
                _verdict(mine),
            )
        )
    latency = [
        f"  {LABELS[key]:<34} {lat['achieved_rps']:>6,} req/s  p50 {lat['p50_ms']:7.2f} ms"
        f"  p99 {lat['p99_ms']:7.2f} ms  p99/p50 {lat['p99_ms'] / lat['p50_ms']:5.2f}"
        for key, res in report.results.items()
        if (lat := res.info.get("latency"))
    ]
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    lines = [
        "  ".join(
            c.ljust(w) if i in (0, 6, 7) else c.rjust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ).rstrip()
        for r in (header, *rows)
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    if latency:
        lines += ["", "latency at a fixed offered load, half of each path's own req/s:"]
        lines += latency
    # One entry per distinct error: a server that did not start fails several rows.
    errors: dict[str, list[str]] = {}
    for key, res in report.results.items():
        if res.error:
            errors.setdefault(res.error, []).append(LABELS[key])
    if errors:
        lines += ["", "errors:"]
        lines += [f"  {', '.join(names)}: {err}" for err, names in errors.items()]
    return "\n".join(lines)


def to_json(report: BenchReport, targets: list[Target]) -> dict[str, Any]:
    cfg = report.config
    return {
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "loadavg_1m_before": report.loadavg_before,
            "loadavg_1m_after": report.loadavg_after,
        },
        "settings": {
            "workers": cfg.workers,
            "h2load": asdict(cfg.load),
            "server_options": [list(o) for o in SERVER_OPTIONS],
            "server_options_drift": report.options_drift,
            "database_url": cfg.database_url,
            "redis_prefix": cfg.redis_prefix,
        },
        "dataset": report.dataset,
        "scenarios": {k: r.to_json() for k, r in report.results.items()},
        "targets": [t.to_json() for t in targets],
        "all_measured": all(r.measured for r in report.results.values()),
        "all_passed": all(t.passed is True for t in targets),
    }


def write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")
