"""The header: a URL keeps scheme and host; a promotion's import job names the profile it ran in."""

from __future__ import annotations

from fake_backend import FakeBackend, import_job
from tui_helpers import form_ready, wait_for

from spark_tui.backends.base import BackendInfo
from spark_tui.spark.values import JobStatus
from spark_tui.tui.app import SparkApp
from spark_tui.tui.screens.details import JobDetailsScreen
from spark_tui.tui.widgets.header import InfoHeader, location_ellipsis

UAT = BackendInfo(profile="uat", kind="remote", location="https://uat.example.com/spark", tenant="uat-tenant",
                  user="uat@example.com", groups=())


def test_a_url_keeps_its_scheme_and_host():
    assert location_ellipsis("http://127.0.0.1:18931/demo/a/much/longer/path", 30) == "http://127.0.0.1:18931/d…/path"
    assert location_ellipsis("http://127.0.0.1:18931/demo", 40) == "http://127.0.0.1:18931/demo"
    assert location_ellipsis("/home/me/spark/workspace", 12) == "/ho…orkspace"


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
