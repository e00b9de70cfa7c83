"""Benchmarks against the budgets of DESIGN.md §6. Not part of the test run: `python -m tests.bench.NAME`."""
