"""The Receipts screen by keys only: the history under the data directory, newest first, and one receipt opened."""

from __future__ import annotations

from pathlib import Path

from fake_backend import FakeBackend
from screens_kit import assert_fitted, given, rendered
from tui_helpers import form_ready, wait_for

from spark_tui import paths
from spark_tui.promotion.history import list_receipts
from spark_tui.spark.promotion_wire import Endpoint, PackageRecord, Receipt, ReceiptVersion
from spark_tui.tui.app import SparkApp
from spark_tui.tui.formatting import clock
from spark_tui.tui.screens.receipts import ReceiptScreen, ReceiptsScreen, ReceiptsTable
from spark_tui.tui.widgets.promotion_run import ReceiptTable

DEV = Endpoint(profile="dev", kind="embedded", location="/ws", tenant="dev", user="alice@example.com")
UAT = Endpoint(profile="uat", kind="embedded", location="/ws", tenant="uat", user="alice@example.com")


def write_history() -> list[Receipt]:
    """Two receipts in the history: a promotion that closed and one that failed at the import."""
    folder = paths.receipts_dir()
    folder.mkdir(parents=True, exist_ok=True)
    promoted = Receipt(
        id="r-20261127-0915-aaaa", outcome="promoted", step="receipt", source=DEV, target=UAT, user="alice@example.com",
        started="2026-11-27T09:15:00.000Z", finished="2026-11-27T09:15:09.000Z", import_job_id="imp-1",
        package=PackageRecord(path="/out/promote-dev-to-uat.zip", bytes=4096, sha256="ab" * 32, verified=True),
        service_versions=[ReceiptVersion(
            service_uri_source="claims/fraud[1.1.0]", service_uri_destination="claims/fraud[1.1.0]",
            version_id_source="11111111-1111-4111-8111-111111111111",
            version_id_destination="11111111-1111-4111-8111-111111111111", status="added")])
    failed = Receipt(
        id="r-20261127-1030-bbbb", outcome="failed", step="import", failed_step="import",
        message="import job ended failed", source=DEV, target=UAT, user="bob@example.com",
        started="2026-11-27T10:30:00.000Z")
    for receipt in (promoted, failed):
        (folder / f"{receipt.id}.json").write_text(receipt.model_dump_json(indent=2), encoding="utf-8")
    return [failed, promoted]


async def test_the_history_newest_first_and_a_receipt_opened() -> None:
    written = write_history()
    assert [r.id for r in list_receipts()] == [r.id for r in written]
    app = SparkApp(FakeBackend(), dest_dir=Path("/tmp"))
    async with app.run_test(size=(80, 24)) as pilot:
        await form_ready(pilot)
        await pilot.press("f9")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceiptsScreen)
                       and app.screen.query_one(ReceiptsTable).row_count == 2, "the history")
        screen = app.screen
        assert_fitted(screen.query_one(ReceiptsTable))
        assert given(screen.query_one(ReceiptsTable)) == [
            [clock("2026-11-27T10:30:00.000Z"), "✗ failed", "dev · dev → uat · uat", "bob@example.com", "—",
             "r-20261127-1030-bbbb"],
            [clock("2026-11-27T09:15:00.000Z"), "✓ promoted", "dev · dev → uat · uat", "alice@example.com", "ab" * 32,
             "r-20261127-0915-aaaa"]]
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceiptScreen), "the receipt")
        text = rendered(app.screen.query_one("#receipt-text Static"))
        assert "✓ PROMOTED  dev · dev  →  uat · uat  · 1 version(s)" in text
        assert f"receipt {paths.receipts_dir() / 'r-20261127-0915-aaaa.json'}" in text
        assert "import job imp-1" in text
        assert given(app.screen.query_one(ReceiptTable))[0][:3] == ["claims/fraud[1.1.0]", "claims/fraud[1.1.0]",
                                                                   "added"]
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen, "back to the list")
        # a new receipt appears when the list is shown again
        await pilot.press("escape")
        (paths.receipts_dir() / "r-new.json").write_text(
            written[1].model_copy(update={"id": "r-new", "started": "2026-11-27T11:00:00.000Z"}).model_dump_json(),
            encoding="utf-8")
        await wait_for(pilot, lambda: app.screen is app.main, "the main screen")
        await pilot.press("f9")
        await wait_for(pilot, lambda: screen.query_one(ReceiptsTable).row_count == 3, "the new receipt")
        assert given(screen.query_one(ReceiptsTable))[0][-1] == "r-new"


async def test_an_empty_history_says_where_receipts_go() -> None:
    app = SparkApp(FakeBackend(), dest_dir=Path("/tmp"))
    async with app.run_test(size=(80, 24)) as pilot:
        await form_ready(pilot)
        await pilot.press("f9")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceiptsScreen)
                       and "No promotion yet" in rendered(app.screen.query_one("#receipts-status")), "the status")
        assert str(paths.receipts_dir()) in rendered(app.screen.query_one("#receipts-status"))
