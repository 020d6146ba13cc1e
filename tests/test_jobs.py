"""scrapyd jobs: the job record of the report, and one JOBDIR and spool per job key."""
from pathlib import Path

from scrapy.settings import Settings

from crawler.jobs import apply_job_settings, job_key, scrapyd_job, continued_runs, end_run, start_run


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


def test_listing_pages_are_done_only_when_the_queue_was_saved(tmp_path):
    """A page whose links were scheduled is recorded as done at a clean close (after Scrapy saved
    its queue), an article filed at once; a JOBDIR left by a killed crawl loses its torn queue."""
    from scrapy import Request
    from scrapy.utils.request import RequestFingerprinter

    from crawler.dupefilter import ResumableDupeFilter

    def fp(url):
        return RequestFingerprinter().fingerprint(Request(url)).hex()

    df = ResumableDupeFilter(str(tmp_path), fingerprinter=RequestFingerprinter())
    assert (tmp_path / "requests.running").exists()
    df.mark_done(["http://s.test/news/x"])
    df.mark_done(["http://s.test/news"], links=True)
    done = (tmp_path / "requests.done").read_text().split()
    assert done == [fp("http://s.test/news/x")]   # a SIGKILL now: the listing is fetched again
    (tmp_path / "requests.queue").mkdir()
    df.close("shutdown")
    assert (tmp_path / "requests.done").read_text().split() == [fp("http://s.test/news/x"), fp("http://s.test/news")]
    assert not (tmp_path / "requests.running").exists() and (tmp_path / "requests.queue").exists()

    # Killed: the marker stays, and the next crawl drops the queue it left.
    killed = ResumableDupeFilter(str(tmp_path), fingerprinter=RequestFingerprinter())
    killed.mark_done(["http://s.test/tags/a"], links=True)
    del killed   # no close()
    again = ResumableDupeFilter(str(tmp_path), fingerprinter=RequestFingerprinter())
    assert not (tmp_path / "requests.queue").exists()
    assert again.request_seen(Request("http://s.test/news")) and not again.request_seen(Request("http://s.test/tags/a"))
    again.close("finished")


def test_runs_of_a_stopped_crawl_are_continued_until_one_finishes(tmp_path):
    jobdir = tmp_path / "job"
    assert start_run(jobdir, "run-1") == []
    end_run(jobdir, "shutdown")            # SIGINT / cancel: the next run resumes it
    assert start_run(jobdir, "run-2") == ["run-1"]
    # run-2 killed (no end_run at all): run-3 continues both
    assert start_run(jobdir, "run-3") == ["run-1", "run-2"]
    end_run(jobdir, "finished")
    assert continued_runs(jobdir) == [] and start_run(jobdir, "run-4") == []
