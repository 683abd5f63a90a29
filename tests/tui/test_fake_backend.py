"""The TUI tests' stand-in is a `Backend` (so production code needs no guard for it), and the check can fail."""

from __future__ import annotations

import pytest
from fake_backend import FakeBackend

from spark_tui.backends.base import Backend


def test_the_fake_backend_is_a_backend() -> None:
    assert isinstance(FakeBackend(), Backend)


@pytest.mark.parametrize("missing", ["whoami", "list_imports", "submitted_ids", "create_folder"])
def test_a_stand_in_missing_an_operation_is_not_a_backend(missing: str) -> None:
    members = {name: getattr(FakeBackend, name) for name in dir(FakeBackend) if not name.startswith("__") and name != missing}
    partial = type("Partial", (), {**members, "info": FakeBackend().info})
    assert not isinstance(partial(), Backend)


def test_the_fake_remembers_what_it_submitted_as_a_backend_does() -> None:
    from spark_tui.spark.export_wire import ExportInputs, ExportRequest
    from spark_tui.spark.import_wire import ImportRequestEntity

    backend = FakeBackend()
    job = backend.submit(ExportRequest(inputs=ExportInputs(folders=["Pricing"])))
    imported = backend.submit_import(__file__, ImportRequestEntity())  # type: ignore[arg-type]
    assert backend.submitted_ids == {job.id, imported.id}
    assert backend.is_own(job.id, "someone@else") and not backend.is_own("other", "someone@else")
    assert backend.is_own("other", backend.info.user) and backend.whoami().user == backend.info.user
    assert backend.list_imports() == [imported] and backend.import_status(imported.id) == imported
    assert not backend.folder_exists("New") and backend.create_folder("New").name == "New" and backend.folder_exists("New")
