"""spark-tui's additions to Spark's v4 answers, which a client asks `spark-tui serve` for by name in
one request header (Spark ignores it): `errors` (the full `{message, errors}` error body) and
`progress` (a job's progress object). Without it, serve answers in Spark's own shapes."""

EXTENSIONS_HEADER = "x-spark-tui-extensions"
ALL_EXTENSIONS = {EXTENSIONS_HEADER: "errors, progress"}
