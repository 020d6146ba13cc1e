"""The news spider's callbacks on hand-made Scrapy responses: bad input is counted, not fatal."""
import pytest
from scrapy.http import HtmlResponse, Request, Response, TextResponse, XmlResponse
from scrapy.crawler import Crawler
from scrapy.settings import Settings

from crawler.items import ArticlePage
from crawler.spiders.commonspace import CommonspaceSpider
from crawler.spiders.news import NewsSpider
from tests.demosite import build_site

HOST = "127.0.0.1:8000"
BASE = f"http://{HOST}"


def make_spider(cls=NewsSpider, settings=None, **kwargs):
    """A spider made the way `scrapy crawl` makes it: from_crawler, then the settings freeze."""
    base = Settings()
    base.setmodule("crawler.settings", priority="project")
    # No archive extension (it needs a running reactor): the page work runs in this process.
    base.setdict({"TWISTED_REACTOR_ENABLED": False, "ARCHIVE_ENABLED": False, **(settings or {})},
                 priority="cmdline")
    crawler = Crawler(cls, base)
    crawler.spider = crawler._create_spider(**kwargs)
    crawler._apply_settings()
    return crawler.spider


@pytest.fixture
def spider():
    return make_spider(settings={"CONTACT_URL": "http://me.test/"}, start_urls=BASE + "/")


def parse(spider, response) -> list:
    """Run the (async) page callback to the end, as Scrapy does; no archive extension here, so
    the page work runs in this process."""
    import asyncio

    async def collect():
        return [o async for o in spider.parse_page(response)]
    return asyncio.run(collect())


def stats(spider):
    return {k: v for k, v in spider.crawler.stats.get_stats().items() if k.startswith("archive/")}


def respond(url, body, content_type="text/html; charset=utf-8", cls=HtmlResponse, status=200):
    return cls(url=url, body=body, headers={"Content-Type": content_type}, status=status,
               request=Request(url))


def demo_response(path):
    status, headers, body = build_site().render(path, HOST)
    ctype = headers.get("Content-Type", "text/html")
    cls = HtmlResponse if "html" in ctype else TextResponse if "text" in ctype else Response
    return respond(BASE + path, body, ctype, cls=cls, status=status)


def test_article_page_yields_item_and_links(spider):
    site = build_site()
    path = site.article_paths()[0]
    out = parse(spider, demo_response(path))
    items = [o for o in out if isinstance(o, ArticlePage)]
    requests = [o for o in out if isinstance(o, Request)]
    assert len(items) == 1 and items[0].article["title"] == site.article(path)["title"]
    assert not hasattr(items[0], "body"), "raw bytes never travel in items"
    assert any(r.url.endswith("/rss.xml") for r in requests), "feeds are followed"
    assert all(r.url.startswith(BASE) for r in requests), "stays on the start host"
    assert stats(spider)["archive/articles"] == 1


@pytest.mark.parametrize("path,reason", [("/", "listing"), ("/news", "listing"),
                                         ("/news?page=2", "listing_url"), ("/about", "page_type_website")])
def test_non_articles_are_counted_skips(spider, path, reason):
    out = parse(spider, demo_response(path))
    assert not [o for o in out if isinstance(o, ArticlePage)]
    assert stats(spider)[f"archive/skipped/{reason}"] == 1


def test_tag_page_is_not_an_article(spider):
    tag = build_site().tags()[0]
    out = parse(spider, demo_response(f"/tags/{tag}"))
    assert not [o for o in out if isinstance(o, ArticlePage)]


@pytest.mark.parametrize("body,ctype,cls,reason", [
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\x00\x00\x00", "application/pdf", Response, "not_html"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "text/html", HtmlResponse, "not_html"),
    (b"", "text/html", HtmlResponse, "empty"),
    (b"<html><body><div><p>unclosed <b>garbage &&& <<<", "text/html", HtmlResponse, "no_main_text"),
])
def test_bad_bodies_are_skipped_with_reason(spider, body, ctype, cls, reason):
    out = parse(spider, respond(BASE + "/some/page", body, ctype, cls=cls))
    assert not [o for o in out if isinstance(o, ArticlePage)]
    assert stats(spider) == {"archive/pages": 1, f"archive/skipped/{reason}": 1}


def test_wrong_declared_charset_does_not_crash(spider):
    out = parse(spider, demo_response("/bad/wrong-charset"))
    assert stats(spider)["archive/pages"] == 1
    assert all(isinstance(o, (ArticlePage, Request)) for o in out)


def test_sitemap_and_robots_discovery(spider):
    site = build_site()
    robots = list(spider.parse_robots(demo_response("/robots.txt")))
    assert [r.url for r in robots] == [BASE + "/sitemap.xml"]
    status, headers, body = site.render("/sitemap.xml", HOST)
    urls = {r.url for r in spider.parse_sitemap(respond(BASE + "/sitemap.xml", body, "application/xml",
                                                        cls=XmlResponse))}
    assert {BASE + p for p in site.article_paths()} <= urls
    garbage = list(spider.parse_sitemap(respond(BASE + "/sitemap.xml", b"\x00\x01 not xml", "application/xml",
                                                cls=Response)))
    assert garbage == [] and stats(spider)["archive/skipped/bad_sitemap"] == 1


def test_feed_discovery(spider):
    status, headers, body = build_site().render("/rss.xml", HOST)
    urls = [r.url for r in spider.parse_feed(respond(BASE + "/rss.xml", body, "application/rss+xml",
                                                     cls=XmlResponse))]
    assert len(urls) == 10 and all(u.startswith(BASE + "/") for u in urls)


def test_arguments():
    with pytest.raises(ValueError, match="needs start URLs"):
        NewsSpider()
    with pytest.raises(ValueError, match="absolute http"):
        NewsSpider(start_urls="example.com")
    sp = NewsSpider(start_urls="https://a.example/x, https://b.example/", allowed_domains=None)
    assert sp.allowed_domains == ["a.example", "b.example"]
    crawler = make_spider(start_urls="https://a.example/", depth="2", max_pages="50").crawler
    assert crawler.settings.getint("DEPTH_LIMIT") == 2 and crawler.settings.getint("CLOSESPIDER_PAGECOUNT") == 50
    assert crawler.settings.get("USER_AGENT").startswith("newsarchive/")


def test_commonspace_preset():
    sp = CommonspaceSpider()
    assert sp.start_urls[0] == "https://www.commonspace.eu/" and sp.allowed_domains == ["commonspace.eu"]
    assert sp._allowed("https://www.commonspace.eu/news/x") and not sp._allowed("https://evil.example/")
    local = CommonspaceSpider(start_urls=BASE + "/")
    assert local.start_urls == [BASE + "/"] and local.allowed_domains == ["127.0.0.1"]
    assert "/editors-choice" in local.listing_paths


def test_commonspace_profile_knows_section_listings():
    sp = make_spider(CommonspaceSpider, start_urls=BASE + "/")
    parse(sp, demo_response("/opinion"))
    parse(sp, demo_response("/index.php/news"))
    # skipped by what they are (the profile only adds evidence): a listing, or no article text at all
    counts = stats(sp)
    assert counts["archive/pages"] == 2 and "archive/articles" not in counts
    assert sum(v for k, v in counts.items() if k.startswith("archive/skipped/")) == 2, counts


def test_secret_settings_are_masked_in_the_log():
    import logging

    from crawler.redact import RedactSecrets
    text = "{'AWS_ACCESS_KEY_ID': 'AKIA123', 'AWS_SECRET_ACCESS_KEY': 's3cr3t', 'BOT_NAME': 'newsarchive'}"
    record = logging.LogRecord("scrapy.crawler", logging.INFO, "", 0, "Overridden settings:\n%(settings)s",
                               ({"settings": text},), None)
    RedactSecrets().filter(record)
    out = record.getMessage()
    assert "s3cr3t" not in out and "AKIA123" not in out and "'newsarchive'" in out
