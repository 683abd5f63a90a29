"""`python -m spark_tui` runs the command line."""

from spark_tui.cli import main

raise SystemExit(main())
