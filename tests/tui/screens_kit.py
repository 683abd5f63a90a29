"""Helpers of the tests of the Import, Environments and Receipts screens: profiles on embedded workspaces, a
package exported from one of them, keys sent in one burst, and reading what a table or a Static shows."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console
from textual import events
from textual.keys import _character_to_key

from spark_tui.backends.embedded import EmbeddedBackend
from spark_tui.backends.polling import wait_for_job
from spark_tui.config import load_config
from spark_tui.engine.artifacts import version_files
from spark_tui.engine.store import Workspace
from spark_tui.engine.synth import generate
from spark_tui.spark.export_wire import ExportInputs, ExportRequest
from spark_tui.spark.values import FileFilter
from spark_tui.tui.app import SparkApp

GROUPS = ("supervisor:pf",)
RATES_ID = "3f1e2d4c-5b6a-4978-8a9b-0c1d2e3f4a5b"


def seed_dev(root: Path) -> None:
    """Tenant `dev`: folder synth-0000 with service-0000 and service-0001, versions 1.0.0 and 1.0.1 each."""
    ws = Workspace(root)
    generate(ws, "dev", folders=1, services=2, versions=2, payload_bytes=4000)
    ws.close()


def seed_uat(root: Path) -> None:
    """Tenant `uat`: folder UAT with service rates 2.0.0."""
    ws = Workspace(root)
    ws.ensure_tenant("uat")
    ws.add_folder("uat", "UAT")
    sid = ws.add_service("uat", "UAT", "rates")
    ws.add_version("uat", sid, "2.0.0", version_files(ws, "uat", "UAT", "rates", "2.0.0", RATES_ID, payload_bytes=500),
                   version_id=RATES_ID)
    ws.close()


def write_config(home: Path, profiles: dict[str, tuple[Path, str]], default: str) -> None:
    """A config of embedded profiles `name = (workspace, tenant)`, each with user `<name>@example.com`."""
    lines = [f'default_profile = "{default}"']
    for name, (root, tenant) in profiles.items():
        lines.append(f'[profiles.{name}]\nworkspace = "{root}"\ntenant = "{tenant}"\nuser = "{name}@example.com"')
    (home / "config.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def backend(root: Path, tenant: str, profile: str, *, spawn: bool = True) -> EmbeddedBackend:
    return EmbeddedBackend(root, tenant, f"{profile}@example.com", GROUPS, profile=profile, spawn=spawn)


def export_package(root: Path, tenant: str, folders: list[str], out: Path, name: str = "dev-package") -> Path:
    """A migrate package of `folders`, exported from the workspace at `root` and saved (verified) in `out`."""
    source = backend(root, tenant, "dev")
    try:
        job = source.submit(ExportRequest(inputs=ExportInputs(folders=folders), file_filter=FileFilter.migrate,
                                          file_name=name))
        job = wait_for_job(source, job.id, deadline_s=60)
        [download] = source.download(job, out)
        return Path(download.path)
    finally:
        source.close()


def make_app(root: Path, tenant: str, profile: str, out: Path) -> SparkApp:
    config = load_config()
    return SparkApp(backend(root, tenant, profile), config, config.profile(profile), dest_dir=out)


def burst(app: SparkApp, *keys: str) -> None:
    """Post every key at once, as the terminal driver does when they arrive a few ms apart. A key is a name
    (`f7`, `enter`) or one character: `burst(app, "f7", *"path")`."""
    for key in keys:
        if len(key) == 1:
            app.post_message(events.Key(_character_to_key(key), key))
        else:
            app.post_message(events.Key(key, None))


def cells(table, row: int) -> list[str]:
    return [str(c) for c in table.get_row_at(row)]


def rows(table) -> list[list[str]]:
    return [cells(table, i) for i in range(table.row_count)]


def given(table) -> list[list[str]]:
    """A FittedTable's rows as given, before fitting to the columns' widths."""
    return [[str(c) for c in row] for row in table.cells.values()]


def assert_fitted(table) -> list[str]:
    """Every column label and cell as drawn is its value, or its value cut with "…" to the column's width;
    the columns fit the table's width. Returns the labels as drawn."""
    columns = table.ordered_columns
    assert sum(c.width + 2 * table.cell_padding for c in columns) <= table.scrollable_content_region.width
    labels = [str(c.label) for c in columns]
    for (_, label, _), shown, column in zip(table.COLUMNS, labels, columns):
        assert shown == label or (shown.endswith("…") and label.startswith(shown[:-1]) and len(shown) == column.width)
    for key, given in table.cells.items():
        for value, shown, column, (_, _, fitter) in zip(given, table.get_row(key), columns, table.COLUMNS):
            assert str(shown) == str(fitter(value, column.width))
            assert str(shown) == str(value) or "…" in str(shown)
    return labels


def rendered(static) -> str:
    """What a Static shows, as plain text."""
    console = Console(width=400, record=True, file=io.StringIO())
    console.print(static.content)
    return console.export_text()


def add_version(ws: Workspace, tenant: str, uri: str, number: str, content: str) -> str:
    """Version `number` of `folder/service` in `tenant` holding `content` (the same word, the same content);
    the tenant, folder and service are made as needed."""
    import json
    import uuid

    from spark_tui.engine.store import NotFound

    folder, service = uri.split("/")
    ws.ensure_tenant(tenant)
    try:
        ws.folder(tenant, folder)
    except NotFound:
        ws.add_folder(tenant, folder)
    try:
        sid = ws.service(tenant, folder, service)["id"]
    except NotFound:
        sid = ws.add_service(tenant, folder, service)
    vid = str(uuid.uuid4())
    files = {
        f"{service}.xlsx": ws.put_blob(f"workbook {content}".encode()),
        f"{vid}.zip": ws.put_blob(f"module {content}".encode()),
        "ModelMetaData.json": ws.put_blob(json.dumps(
            {"VersionId": vid, "EngineInformation": {"Revision": number, "ServiceVersionGuid": vid}}).encode()),
    }
    return ws.add_version(tenant, sid, number, files, version_id=vid)


def seed_environments(root: Path) -> None:
    """dev, uat and prod in one workspace:

    | service        | dev                 | uat                   | prod                 |
    | claims/fraud   | 1.0.0 A, 1.1.0 B    | 1.0.0 A               | 1.0.0 A, 1.1.0 B     |
    | claims/triage  | 1.0.0 C             | 1.0.0 C' (differs)    | —                    |
    | pricing/base   | 1.0.0 E             | 1.0.0 E               | 1.0.0 E              |
    | claims/legacy  | —                   | 0.1.0 L (extra)       | —                    |
    """
    ws = Workspace(root)
    for tenant, versions in {
        "dev": [("claims/fraud", "1.0.0", "A"), ("claims/fraud", "1.1.0", "B"), ("claims/triage", "1.0.0", "C"),
                ("pricing/base", "1.0.0", "E")],
        "uat": [("claims/fraud", "1.0.0", "A"), ("claims/triage", "1.0.0", "C2"), ("pricing/base", "1.0.0", "E"),
                ("claims/legacy", "0.1.0", "L")],
        "prod": [("claims/fraud", "1.0.0", "A"), ("claims/fraud", "1.1.0", "B"), ("pricing/base", "1.0.0", "E")],
    }.items():
        for uri, number, content in versions:
            add_version(ws, tenant, uri, number, content)
    ws.close()
