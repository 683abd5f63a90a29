"""The header: a URL keeps scheme and host (the path goes first), the connection state is always drawn whole;
a promotion's import job names the profile it ran in."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from fake_backend import FakeBackend, import_job
from tui_helpers import form_ready, screen_lines, wait_for

from spark_tui.backends.base import BackendInfo
from spark_tui.spark.values import JobStatus
from spark_tui.tui.app import SparkApp
from spark_tui.tui.screens.details import JobDetailsScreen
from spark_tui.tui.widgets.header import InfoHeader, location_ellipsis

UAT = BackendInfo(profile="uat", kind="remote", location="https://uat.example.com/spark", tenant="uat-tenant",
                  user="uat@example.com", groups=())


URL = "https://excel.uat.us.coherent.global/acme/services/team-a"  # 57 cells; scheme and host 36


@pytest.mark.parametrize(("width", "shown"), [
    (80, URL),
    (57, URL),
    (56, "https://excel.uat.us.coherent.global/acme/…rvices/team-a"),  # the path shortened in the middle
    (45, "https://excel.uat.us.coherent.global/a…team-a"),
    (40, "https://excel.uat.us.coherent.global/…-a"),
    (39, "https://excel.uat.us.coherent.global/…"),  # then only "/…" of it
    (38, "https://excel.uat.us.coherent.global/…"),
    (37, "https://excel.ua…us.coherent.global/…"),  # then the host's middle, the scheme whole
    (20, "https://exc…global/…"),
    (14, "https://e…al/…"),
    (13, "https://…"),
    (9, "https://…"),
    (8, "…"),
    (1, "…"),
    (0, ""),
])
def test_a_url_keeps_its_scheme_and_host_and_shortens_its_path_first(width: int, shown: str):
    assert location_ellipsis(URL, width) == shown


def test_a_url_without_a_path_and_a_workspace_path():
    assert location_ellipsis("http://127.0.0.1:18931/demo/a/much/longer/path", 30) == "http://127.0.0.1:18931/d…/path"
    assert location_ellipsis("http://127.0.0.1:18931/demo", 40) == "http://127.0.0.1:18931/demo"
    assert location_ellipsis("http://127.0.0.1:18931/demo", 26) == "http://127.0.0.1:18931/…mo"
    assert location_ellipsis("http://127.0.0.1:18931/demo", 24) == "http://127.0.0.1:18931/…"
    assert location_ellipsis("http://127.0.0.1:18931", 20) == "http://127.….1:18931"
    assert location_ellipsis("http://127.0.0.1:18931", 11) == "http://1…31"
    assert location_ellipsis("http://127.0.0.1:18931", 10) == "http://…"
    assert location_ellipsis("/home/me/spark/workspace", 12) == "/ho…orkspace"


class Hung(FakeBackend):
    """A backend at URL whose jobs call does not answer until released."""

    def __init__(self):
        super().__init__()
        self.info = replace(self.info, kind="remote", location=URL)
        self.release = threading.Event()

    def list_jobs(self, all_users=False):
        self.release.wait(10)
        return []


HUNG_LINES = {
    160: " spark-tui   profile demo  tenant demo  user me@example.com  backend remote "
         "https://excel.uat.us.coherent.global/acme/services/team-a  ⧗ no answer for 12s",
    140: " spark-tui   profile demo  tenant demo  user me@example.com  backend remote "
         "https://excel.uat.us.coherent.global/a…am-a  ⧗ no answer for 12s",
    120: " spark-tui   demo  demo  me@example.com  remote https://excel.uat.us.coherent.global/acm…ces/team-a"
         "  ⧗ no answer for 12s",
    100: " spark-tui   demo  demo  me@example.com  remote https://excel.…oherent.global/…  ⧗ no answer for 12s",
    80: " spark-tui   demo  demo  me@example.com  remote https://…  ⧗ no answer for 12s",
    64: " spark-tui   demo  demo  me@example.com  r…  ⧗ no answer for 12s",
    60: " spark-tui   demo  demo  me@example.co…  ⧗ no answer for 12s",
    40: " spark-tui   demo …  ⧗ no answer for 12s",
}


async def test_while_a_call_hangs_the_header_keeps_the_state_whole_at_every_width():
    backend = Hung()
    app = SparkApp(backend)
    clock = [datetime(2026, 11, 27, 9, 0, 0, tzinfo=timezone.utc)]
    app.clock = lambda: clock[0]
    async with app.run_test(size=(160, 24)) as pilot:
        await wait_for(pilot, lambda: app.main._refreshing, "the first refresh")
        clock[0] += timedelta(seconds=12)
        app.main.refresh_jobs()  # the next tick finds the call still waiting
        try:
            for width, line in HUNG_LINES.items():
                await pilot.resize_terminal(width, 24)
                await wait_for(pilot, lambda: len(screen_lines(app)[0].rstrip()) <= width
                               and "no answer" in screen_lines(app)[0], f"the header at {width} columns")
                assert screen_lines(app)[0].rstrip() == line
        finally:
            backend.release.set()


async def test_the_details_of_a_promoted_import_name_its_target_profile():
    app = SparkApp(FakeBackend())
    job = import_job(1, JobStatus.closed)
    async with app.run_test(size=(120, 40)) as pilot:
        await form_ready(pilot)
        app.main.follow_promoted(job, UAT)
        app.job_actions.open_details(job)
        await wait_for(pilot, lambda: isinstance(app.screen, JobDetailsScreen) and app.screen.query(InfoHeader),
                       "the details")
        line = app.screen.query_one(InfoHeader).render().plain
        assert "profile uat" in line and "tenant uat-tenant" in line and "https://uat.example.com" in line
        assert "demo" not in line
