"""The event log records outages: when the backend became unreachable (with the reason) and when it is back."""

from __future__ import annotations

from fake_backend import FakeBackend
from tui_helpers import form_ready, wait_for

from spark_tui.spark.errors import BackendUnavailable
from spark_tui.tui.app import SparkApp


class FlakyBackend(FakeBackend):
    down = False

    def list_jobs(self, all_users: bool = False):
        if self.down:
            raise BackendUnavailable("connection refused by 127.0.0.1:9")
        return super().list_jobs(all_users)


async def test_an_outage_is_logged_when_it_starts_and_ends():
    backend = FlakyBackend()
    app = SparkApp(backend)
    async with app.run_test(size=(120, 40)) as pilot:
        await form_ready(pilot)
        outages = lambda: [e.text for e in app.main.events.events if e.kind == "outage"]  # noqa: E731
        backend.down = True
        await wait_for(pilot, lambda: len(outages()) == 1, "the outage logged")
        backend.down = False
        await wait_for(pilot, lambda: len(outages()) == 2, "the recovery logged")
        assert outages() == ["/tmp/workspace unreachable: connection refused by 127.0.0.1:9",
                             "/tmp/workspace reachable again"]
