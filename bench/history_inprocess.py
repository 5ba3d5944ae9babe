"""GetPriceHistory timed in-process: what PricingHandlers runs for it
(validate.history, HistoryService.history, convert.history) and the
response's serialization, for one offer over the last 365 days, raw, day and
hour buckets; per call the Python CPU (process_time), the PostgreSQL backend's
CPU (/proc/<pid>/stat of the pool's one connection) and wall time. CPU time,
not wall, is what to compare on a shared machine.

    .venv/bin/python -m bench.history_inprocess DATABASE_URL OFFER_ID [CALLS]
"""

import asyncio
import os
import sys
import time
from datetime import UTC, datetime, timedelta

from vitrine.pricing.v1 import history_pb2 as hist
from vitrine.pricing.v1 import pricing_service_pb2 as api
from vitrine_server.config import Settings
from vitrine_server.db.database import Database
from vitrine_server.pricing import convert, validate
from vitrine_server.pricing.history import HistoryService

TICK = os.sysconf("SC_CLK_TCK")


def cpu(pid):
    with open(f"/proc/{pid}/stat") as f:
        parts = f.read().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / TICK


async def main(url, offer, n):
    db = await Database.connect(
        Settings.from_env({"DATABASE_URL": url, "VITRINE_PG_POOL_MAX": "1"})
    )
    svc = HistoryService(db)

    async def history(req):
        query = validate.history(req, datetime.now(UTC))
        return convert.history(await svc.history(query))

    async with db.pool.acquire() as c:
        pid = await c.fetchval("select pg_backend_pid()")
    end = datetime.now(UTC)
    start = end - timedelta(days=365)
    st = api.GetPriceHistoryRequest(offer_id=offer)
    st.start_time.FromDatetime(start)
    st.end_time.FromDatetime(end)
    for name, g in (
        ("raw", hist.GRANULARITY_RAW),
        ("day", hist.GRANULARITY_DAY),
        ("hour", hist.GRANULARITY_HOUR),
    ):
        req = api.GetPriceHistoryRequest()
        req.CopyFrom(st)
        req.granularity = g
        for _ in range(5):
            r = await history(req)
        walls = []
        c0 = cpu(pid)
        p0 = time.process_time()
        for _ in range(n):
            w = time.perf_counter()
            r = await history(req)
            r.SerializeToString()
            walls.append(time.perf_counter() - w)
        c1 = cpu(pid)
        p1 = time.process_time()
        walls.sort()
        ser = r.series[0]
        entries = len(ser.points.price_minor) or len(ser.buckets.open_minor)
        print(
            f"{name:4} entries {entries:5}  py {1000 * (p1 - p0) / n:6.2f} ms"
            f"  pg {1000 * (c1 - c0) / n:6.2f} ms"
            f"  wall p50 {1000 * walls[n // 2]:6.2f} min {1000 * walls[0]:6.2f}",
            flush=True,
        )
    await db.pool.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 200))
