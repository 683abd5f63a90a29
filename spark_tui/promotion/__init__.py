"""Promotion across two backends (DESIGN §2b), shared by `--batch` and the TUI; no Textual here.

- mappings: `--map SRC=DST[:bump]` / mapping files → Spark `services_modify` entries
- plan: what the import will do in the target, item by item, before anything is written
- promote: prepare (resolve + plan) and run (export → verified download → folders → import → receipt)
- inspect: what a package holds, and its integrity (entry CRCs, inner module checksums)
- runner: upload an `onpremises` package to a Hybrid Runner
"""
