"""Benchmarks (not tests): ``python -m bench.broadcast``."""
