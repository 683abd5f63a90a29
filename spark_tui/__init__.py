"""spark-tui: a terminal app, batch runner and offline engine for the Spark Export API."""

__version__ = "0.1.0"
