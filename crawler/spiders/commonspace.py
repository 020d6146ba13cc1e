"""commonspace.eu: the news spider with the site's profile.

    scrapy crawl commonspace
    scrapy crawl commonspace -a start_urls=http://127.0.0.1:8000/   # a local copy
"""
from crawler.spiders.news import NewsSpider

SECTIONS = ("news", "opinion", "analysis", "interview", "editors-choice", "partners", "multimedia")


class CommonspaceSpider(NewsSpider):
    name = "commonspace"
    start_urls = ["https://www.commonspace.eu/"] + [f"https://www.commonspace.eu/{s}" for s in SECTIONS[:5]]
    # Section roots list teasers; /index.php/<path> serves the same page as /<path>.
    listing_paths = tuple(f"/{s}" for s in SECTIONS)

    def __init__(self, start_urls=None, allowed_domains=None, **kwargs):
        if start_urls is None and allowed_domains is None:
            allowed_domains = "commonspace.eu"
        super().__init__(start_urls=start_urls, allowed_domains=allowed_domains, **kwargs)
