"""Backends: one protocol, an embedded implementation (local engine) and a remote one (Spark HTTP)."""
