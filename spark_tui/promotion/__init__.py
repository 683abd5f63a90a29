"""Promotion across two backends and the comparison of environments, shared by `--batch` and the TUI; no Textual here.

- mappings: `--map SRC=DST[:bump]` / mapping files → Spark `services_modify` entries
- plan, prepare: what the import will do in the target, item by item, before anything is written
- run, steps, push: export → verified download → folders → import, step by step
- receipt, history, saved_plan, backup, undo: the audit record, approvals and undo
- compare, catalog_reader: what differs between environments (docs/architecture.md, "Environments")
- package_inspect: what a package holds, and its integrity (entry CRCs, inner module checksums)
- hybrid_runner: upload an `onpremises` package to a Hybrid Runner
"""
