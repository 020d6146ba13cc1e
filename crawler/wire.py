"""Scrapy's HTTP/1.1 download handler, keeping what crossed the wire for the WARC records.

Scrapy's ``Response`` keeps the status code and ``protocol`` but not the reason phrase, re-cases
header names (``ETag`` -> ``Etag``), drops the connection headers (``Transfer-Encoding``,
``Connection``, ``Keep-Alive``) and puts ``Content-Length`` first. This handler reads them where
Twisted parses them: the status line as received, every header line in order with its name as
received (values without the whitespace around them, folded lines joined), and the request line
and headers exactly as Twisted writes them (Host included). They reach the capture middleware
in ``request.meta["wire"]``::

    {"status_line": b"HTTP/1.1 200 OK", "headers": [(b"ETag", b'"x"'), ...],
     "request_line": b"GET /a HTTP/1.1", "request_headers": [(b"User-Agent", b"..."), ...]}

It uses Scrapy's private HTTP/1.1 client classes; when they are missing (another Scrapy), the
handler is Scrapy's own and the records fall back to what ``Response`` keeps (see README).
"""
from __future__ import annotations

import logging

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler

logger = logging.getLogger(__name__)

try:
    from scrapy.core.downloader.handlers.http11 import (_LenientHTTP11ClientFactory, _LenientHTTP11ClientProtocol,
                                                        _LenientHTTPClientParser, _ScrapyAgent)
    from scrapy.exceptions import ResponseDataLossError
    from scrapy.utils.defer import maybe_deferred_to_future
    from scrapy.core.downloader.handlers.http11 import get_dataloss_msg, wrap_twisted_exceptions
except ImportError:  # pragma: no cover - another Scrapy: plain handler, fallback records
    _ScrapyAgent = None


if _ScrapyAgent is not None:
    class _WireParser(_LenientHTTPClientParser):
        """Scrapy's lenient response parser, also keeping the raw status and header lines."""

        def statusReceived(self, status):
            self._wire_status, self._wire_headers = status, []
            super().statusReceived(status)

        def headerReceived(self, name, value):
            self._wire_headers.append((name, value))
            super().headerReceived(name, value)

        def allHeadersReceived(self):
            if getattr(self, "response", None) is not None:
                self.response._wire = (self._wire_status, list(self._wire_headers))
            super().allHeadersReceived()

    class _WireProtocol(_LenientHTTP11ClientProtocol):
        def request(self, request):
            d = super().request(request)
            self._parser.__class__ = _WireParser
            # What Twisted's Request._writeHeaders writes (this handler sends no request bodies
            # of its own making: GETs, and Scrapy's bodies with their Content-Length).
            line = b" ".join([request.method, request.uri, b"HTTP/1.1"])
            sent = [] if request.persistent else [(b"Connection", b"close")]
            sent += [(name, v) for name, values in request.headers.getAllRawHeaders() for v in values]

            def attach(response):
                response._wire_request = (line, sent)
                return response
            d.addCallback(attach)
            return d

    class _WireFactory(_LenientHTTP11ClientFactory):
        def buildProtocol(self, addr):
            return _WireProtocol(self._quiescentCallback)

    class _WireAgent(_ScrapyAgent):
        def _cb_bodyready(self, txresponse, request):
            status, headers = getattr(txresponse, "_wire", (None, None))
            if status is not None:
                line, sent = getattr(txresponse, "_wire_request", (None, None))
                request.meta["wire"] = {"status_line": status, "headers": headers,
                                        "request_line": line, "request_headers": sent}
            return super()._cb_bodyready(txresponse, request)


class WireHTTPDownloadHandler(HTTP11DownloadHandler):
    """``DOWNLOAD_HANDLERS = {"http": ..., "https": ...}``: Scrapy's HTTP/1.1 handler that keeps
    the exchange as sent and received in ``request.meta["wire"]``."""

    def __init__(self, crawler):
        super().__init__(crawler)
        if _ScrapyAgent is not None:
            self._pool._factory = _WireFactory
        else:  # pragma: no cover
            logger.warning("This Scrapy has no HTTP/1.1 client classes to hook: WARC records keep only "
                           "what Scrapy's Response holds (no reason phrase, re-cased header names)")

    async def download_request(self, request):
        if _ScrapyAgent is None:  # pragma: no cover
            return await super().download_request(request)
        # HTTP11DownloadHandler.download_request with our agent.
        agent = _WireAgent(
            contextFactory=self._contextFactory,
            bindAddress=self._bind_address,
            pool=self._pool,
            maxsize=getattr(self._crawler.spider, "download_maxsize", self._default_maxsize),
            warnsize=getattr(self._crawler.spider, "download_warnsize", self._default_warnsize),
            fail_on_dataloss=self._fail_on_dataloss,
            crawler=self._crawler,
            tls_verbose_logging=self._tls_verbose_logging,
        )
        try:
            with wrap_twisted_exceptions():
                return await maybe_deferred_to_future(agent.download_request(request))
        except ResponseDataLossError:
            if not self._fail_on_dataloss_warned:
                logger.warning(get_dataloss_msg(request.url))
                self._fail_on_dataloss_warned = True
            raise
