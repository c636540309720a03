"""Fake upstreams for the demo, tests and benchmarks. Loopback only."""
