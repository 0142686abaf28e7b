"""Environments written for bench.agents (numpy, gymnasium API)."""
