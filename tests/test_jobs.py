"""scrapyd jobs: the job record of the report, and one JOBDIR and spool per job key."""
from pathlib import Path

from scrapy.settings import Settings

from crawler.jobs import apply_job_settings, job_key, scrapyd_job


def test_job_key_is_the_same_for_every_run_of_a_crawl():
    a = job_key("news", {"_job": "1", "start_urls": "https://a.example/"})
    b = job_key("news", {"_job": "2", "start_urls": "https://a.example/"})
    c = job_key("news", {"_job": "3", "start_urls": "https://b.example/"})
    assert a == b != c and a.startswith("news-")
    assert job_key("news", {"_job": "1", "jobkey": "daily/../x y"}) == "daily_.._x_y"


def test_scrapyd_job_record():
    env = {"SCRAPY_PROJECT": "newsarchive", "SCRAPYD_EGG_VERSION": "r42"}
    assert scrapyd_job({"_job": "abc"}, env) == {"id": "abc", "project": "newsarchive", "version": "r42"}
    assert scrapyd_job({}, {}) is None


def test_jobdir_and_spool_under_the_jobs_folder(tmp_path):
    settings = Settings({"ARCHIVE_JOBS_DIR": str(tmp_path)})
    folder = apply_job_settings(settings, "news", {"_job": "9", "jobkey": "daily"}, environ={})
    assert folder == Path(tmp_path, "daily") and folder.is_dir()
    assert settings["JOBDIR"] == str(folder) and settings["ARCHIVE_SPOOL_DIR"] == str(folder / "archive-spool")
    # Under scrapyd without a jobs folder: ./jobs; by hand without one: nothing.
    assert apply_job_settings(Settings(), "news", {}, environ={}) is None
    given = Settings({"ARCHIVE_JOBS_DIR": str(tmp_path), "JOBDIR": "/elsewhere"})
    apply_job_settings(given, "news", {"jobkey": "k"}, environ={})
    assert given["JOBDIR"] == "/elsewhere"
