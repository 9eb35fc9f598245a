"""Benchmark harness for the rebalancing engine and dashboard: ``python3 -m benchmarks``.

Each row compares a measurement with a "floor" (the least work that produces the same
output) measured in the same run; see ``benchmarks/__main__.py``.
"""
