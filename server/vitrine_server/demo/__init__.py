"""A realistic demo catalog (Brazilian stores, categories, products, offers
and price history) for local runs, demos and benchmarks."""

from vitrine_server.demo.seed import seed_demo

__all__ = ["seed_demo"]
