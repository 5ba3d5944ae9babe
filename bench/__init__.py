"""Load benchmarks for Vitrine (not tests): `python -m bench` or `make bench`."""
