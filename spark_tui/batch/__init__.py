"""Headless `--batch` mode: one operation per run, results on stdout, progress on stderr, exit codes."""
