"""`spark-tui serve`: a Spark-compatible HTTP API over the embedded engine."""

from spark_tui.server.app import create_app
from spark_tui.server.launch import serve

__all__ = ["create_app", "serve"]
