"""Benchmarks: the registration rush, calendar polling and mail delivery, measured against a
floor app on the same server settings (see bench/README.md)."""
