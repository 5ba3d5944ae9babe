"""The demo catalog shows what the service does: its price history (90 days
of changes, up and down) reaches the deals feed and the statistics."""

from __future__ import annotations

from vitrine.pricing.v1 import pricing_service_pb2 as pricing


async def test_the_deals_feed_has_drops_on_both_bases(demo_env):
    previous = await demo_env.pricing.ListPriceDrops(pricing.ListPriceDropsRequest(page_size=20))
    assert len(previous.drops) == 20 and previous.next_page_token
    for drop in previous.drops:
        assert drop.previous_price_minor > drop.current_price_minor > 0
        assert drop.drop_bps >= 500 and drop.changed_time.seconds > 0
    average = await demo_env.pricing.ListPriceDrops(
        pricing.ListPriceDropsRequest(basis=pricing.DROP_BASIS_RECENT_AVERAGE, page_size=20)
    )
    assert len(average.drops) == 20


async def test_price_stats_and_history_have_weeks_of_changes(demo_env):
    changed = await demo_env.pool.fetchval(
        "SELECT product_id FROM best_price_points GROUP BY product_id"
        " HAVING count(*) >= 4 ORDER BY product_id LIMIT 1"
    )
    stats = await demo_env.pricing.GetPriceStats(pricing.GetPriceStatsRequest(product_id=changed))
    assert stats.lowest_ever.price_minor < stats.highest_ever.price_minor
    assert stats.last_30_days.days == 30 and stats.last_90_days.average_minor > 0
    history = await demo_env.pricing.GetPriceHistory(
        pricing.GetPriceHistoryRequest(product_id=changed, series=pricing.PRODUCT_SERIES_ALL_OFFERS)
    )
    points = sum(len(s.points.price_minor) for s in history.series)
    assert points >= 2, "more than one price in the last 30 days"
