"""Teasers, comments and boilerplate recognised by page structure, and the page's type.

Works on the lxml tree that :func:`archive.extract.extract` has already parsed, before
trafilatura sees it, on any site and from its first page: no class names, no site statistics.

What is a teaser, measured rather than named:
- a *card*: a small subtree dominated by a link to another page of the same site, either
  because most of its text sits inside that one link, or because the link is a standalone
  title line (its block holds little else) over a short summary, label, date, image...;
- a *card group*: two or more sibling cards of the same element type (related articles,
  latest posts, a "most read" ``<ol>``, a navigation list) wherever they sit;
- an *embedded post*: a single card in a box element (a block with an image or several
  children) inside the body, and any card whose target is teased twice on the page;
- a *read-also line*: a short block that is mostly one title-like link to another page after
  a short prefix ("Read also: ...");
- a *comment thread*: two or more sibling items of one element type, each dated, with a
  repeated reply control that does not lead to another page, or threaded (items nested in
  items); a form with a text area (the reply form);
- a *newsletter blurb*: a form with an e-mail field and the short text around it.

A body paragraph that merely contains links is article text: dominance is the share of the
block's text inside one link, and a title link must stand on its own line. Class and id names
(``comment``, ``related``...) add evidence for comments only and are never required.

The same pass measures what the page *is*: how much text sits in teaser cards, how many
distinct articles are teased, and the largest block of running text outside them. A page
whose text is mostly cards with no dominant body is a listing (section, front, tag, author,
date archive, search), whatever its URL; :mod:`archive.pages` decides with this evidence.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import SplitResult, parse_qsl, urlencode, urljoin, urlsplit

__all__ = ["Structure", "analyse", "same_site", "page_key"]

# Subtrees holding no readable text.
SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "head", "select", "option",
                       "iframe", "object", "embed", "canvas", "math", "button", "textarea"})
BLOCK_TAGS = frozenset({"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "aside",
                        "header", "footer", "figure", "figcaption", "blockquote", "dd", "dt", "dl", "td",
                        "th", "tr", "table", "ul", "ol", "main", "nav", "form", "address", "pre", "details",
                        "summary", "center", "body"})
BOX_TAGS = frozenset({"div", "aside", "section", "article", "figure", "blockquote", "table", "dl", "details"})
LINE_TAGS = frozenset({"p", "div", "li", "h2", "h3", "h4", "h5", "h6", "blockquote", "dd", "dt", "section",
                       "aside", "center"})
TABLE_TAGS = frozenset({"table", "tbody", "thead", "tfoot", "tr", "td", "th"})   # data, not cards
LIST_TAGS = frozenset({"ul", "ol", "dl", "menu"})
HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
PROSE_TAGS = frozenset({"p", "pre", "blockquote", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "table",
                        "figure", "font", "span", "center"})

CARD_MAX_CHARS = 700        # a card is small: title, summary, label, date (non-space characters)
CARD_LINK_SHARE = 0.5       # ...and either most of its text sits in one link to another page,
TITLED_CARD_SHARE = 0.1     # ...or a standalone title link makes at least this share of it
HEADING_CARD_SHARE = 0.05   # ...or this share, when the title link fills a heading
STANDALONE_SLACK = 1.3      # a link "stands alone" when its block holds at most this much more text
TITLE_MIN_CHARS = 12        # a title-like link text (non-space characters)...
TITLE_MIN_WORDS = 2         # ...in at least this many words (or CJK-length characters)
READ_ALSO_MAX_CHARS = 300   # a read-also line is short...
READ_ALSO_SHARE = 0.6       # ...mostly one link...
READ_ALSO_PREFIX = 40       # ...after a short prefix ("Read also:", "Lesen Sie auch")
COMMENT_MIN_CHARS = 15
COMMENT_MAX_CHARS = 6000
CONTROL_MAX_CHARS = 25      # "Reply", "Antworten", "Répondre" ...
COMMENT_BODY_MIN = 400     # comments go only when the page has a body this long besides them
LEFTOVER_CHARS = 80         # a container left with this little text after removal goes too
BLURB_CHARS = 300           # newsletter text around its form
LISTING_MAX_BODY = 500      # a listing has less running text than this outside its cards...
LISTING_MIN_TEASED = 5      # ...and teases at least this many other pages
TEXT_CAP = 300              # recorded text of a removed subtree

_COMMENT_HINT = re.compile(r"comment|reply|respond|discuss|disqus|kommentar|commentaire|komentar", re.I)
_REPLY_HREF = re.compile(r"reply|respond|comment", re.I)
_DATE_RE = re.compile(
    r"\b\d{1,2}[./-]\d{1,2}[./-](?:\d{2}|\d{4})\b|\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}:\d{2}\b|\b(?:19|20)\d{2}\b|\d{4}年|\d{1,2}月\d{1,2}日"
)
_DIGITS_RE = re.compile(r"\d+")
# the two shapes of _DATE_RE that need no word boundary before them (they may start inside a run
# of digits); every other shape starts a run of digits
_CJK_YEAR_RE = re.compile(r"\d{4}年")
_CJK_DAY_RE = re.compile(r"\d{1,2}月\d{1,2}日")


def _has_date(text: str) -> bool:
    """``_DATE_RE.search(text) is not None``, trying the pattern only where a match can start."""
    if ("年" in text and _CJK_YEAR_RE.search(text)) or ("月" in text and _CJK_DAY_RE.search(text)):
        return True
    return any(_DATE_RE.match(text, m.start()) for m in _DIGITS_RE.finditer(text))
_CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_MEDIA_RE = re.compile(r"\.(?:jpe?g|png|gif|webp|svg|bmp|tiff?|pdf|docx?|xlsx?|pptx?|zip|mp3|mp4|m4a|ogg|webm|mov)$", re.I)
_MEDIA_EXT_RE = re.compile(_MEDIA_RE.pattern[:-1], re.I)   # the same, on the path's last "." onwards
_SLUG_RE = re.compile(r"^[^/?#-]*[a-z][^/?#]*(?:-[^/?#-]+){3,}$", re.I)   # some-long-article-slug
_ID_RE = re.compile(r"(?<![0-9a-z])\d{5,}(?![0-9a-z])", re.I)   # a document id in a URL path
# 202212, 20221206, 20160526181643 (a date, a timestamp): shared by many pages, no document's id
_DATE_ID_RE = re.compile(r"^(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:[0-3]\d(?:[0-2]\d(?:[0-5]\d){0,2})?)?$")
# an absolute URL whose netloc is a plain host name (no user, port or IPv6 brackets): split without
# urlsplit, which gives the same parts for it
_SIMPLE_URL_RE = re.compile(r"(https?)://([A-Za-z0-9.-]+)(/[^?]*)?(?:\?(.*))?", re.S)
_TRACKING = re.compile(r"^(?:utm_|fbclid$|gclid$|mc_|ref$|ref_src$|amp$|output$)", re.I)


def _n(s: str | None) -> int:
    """Readable size of a text: its characters without surrounding space (cheap, and inner
    spaces inflate every block alike)."""
    return len(s.strip()) if s else 0


def _site(host: str) -> str:
    host = host.lower().rstrip(".")
    labels = host.split(".")
    if len(labels) >= 3 and len(labels[-1]) == 2 and len(labels[-2]) <= 3:   # co.uk, com.au
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def same_site(a: str, b: str) -> bool:
    ha, hb = (urlsplit(a).hostname or ""), (urlsplit(b).hostname or "")
    return bool(ha) and bool(hb) and _site(ha) == _site(hb)


def page_key(url: str, parts=None, host: str | None = None) -> str:
    """What makes two URLs the same page for structure purposes: host without www, path
    without a front controller or trailing slash, query without tracking parameters.
    ``parts``: ``urlsplit(url)`` when the caller has it already (one split per link), and
    ``host``: its ``hostname``."""
    parts = parts or urlsplit(url)
    host = ((parts.hostname if host is None else host) or "").lower()
    host = host[4:] if host.startswith("www.") else host
    path = parts.path or "/"
    if path.startswith("/index.php"):
        path = re.sub(r"^/index\.php(?=/|$)", "", path)
    path = path.rstrip("/") or "/"
    if not parts.query:
        return host + path
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                             if not _TRACKING.match(k)))
    return f"{host}{path}?{query}" if query else host + path


def page_ids(url: str, parts=None) -> list[str]:
    """Document ids in a URL's path, in order (runs of 5+ digits that are not dates). A page's
    own id is the last one (earlier ones may name a site or a section); a link whose path carries
    it leads to a part of the same document (its gallery, its next page, its photo viewer), not
    to another article."""
    try:
        path = (parts or urlsplit(url)).path
    except ValueError:
        return []
    return [m for m in _ID_RE.findall(path) if not _DATE_ID_RE.match(m)]


def target_key(url: str, parts=None, host: str | None = None) -> str:
    """The page a link leads to: one article is often served under several paths
    (/section/123-some-long-slug, /component/content/article/123-some-long-slug), and a long slug
    names it; otherwise :func:`page_key`."""
    parts = parts or urlsplit(url)
    last = parts.path.rstrip("/").rsplit("/", 1)[-1]
    # (a slug has three hyphens at least: most paths are told apart without the pattern)
    slug = last.count("-") >= 3 and _SLUG_RE.match(last)
    return "slug:" + last.lower() if slug else page_key(url, parts, host)


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def _title_like(text: str) -> bool:
    if _n(text) < TITLE_MIN_CHARS:
        return False
    return len(text.split()) >= TITLE_MIN_WORDS or len(_CJK_RE.findall(text)) >= 6


def _head(el, cap: int, size: int | None = None) -> str:
    """``" ".join(el.text_content().split())`` when that is at most ``cap`` characters long;
    otherwise a prefix of it longer than ``cap``. Reads only as much of a large subtree as that
    takes (the collapsed text of a prefix is a prefix of the collapsed text). ``size``: the
    subtree's measured text size, when known; a small subtree is read whole (cheaper)."""
    if size is not None and size <= 4 * cap:
        return " ".join(el.text_content().split())
    pieces: list[str] = []
    raw = 0
    for piece in el.itertext():   # the same text nodes, in the same order, as text_content()
        pieces.append(piece)
        raw += len(piece)
        if raw > cap:
            text = " ".join("".join(pieces).split())
            if len(text) > cap:
                return text
    return " ".join("".join(pieces).split())


def _raw_head(el, n: int, size: int | None = None) -> str:
    """``el.text_content()[:n]``, reading only as much of the subtree as that takes."""
    if size is not None and size <= 4 * n:
        return el.text_content()[:n]
    pieces: list[str] = []
    raw = 0
    for piece in el.itertext():
        pieces.append(piece)
        raw += len(piece)
        if raw >= n:
            break
    return "".join(pieces)[:n]


def _has_descendant(el, tag: str) -> bool:
    """``el.find(".//" + tag) is not None``, without ElementPath."""
    return next(el.iterdescendants(tag), None) is not None


def _flat(el, cap: int = TEXT_CAP, size: int | None = None) -> str:
    text = _head(el, cap, size)
    return text if len(text) <= cap else text[: cap - 1] + "\u2026"


# ``p`` is left out: ``/?p=123`` is WordPress's post id, not page 123 of the front page
_PAGE_PARAMS = frozenset({"page", "paged", "start", "offset", "pg", "seite", "pagina"})
_PAGE_PATH_RE = re.compile(r"/(?:page|seite|pagina)/\d+/?$", re.I)


def _list_key(url: str) -> str | None:
    """The list a URL is a page of: its page key without page numbers (a numeric page parameter
    or a ``/page/N`` path end)."""
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    rest = [(k, v) for k, v in pairs if not (k.lower() in _PAGE_PARAMS and v.isdigit())]
    path = _PAGE_PATH_RE.sub("/", parts.path or "/")
    return page_key(parts._replace(path=path, query=urlencode(rest)).geturl())


def _list_stem(parts, host: str | None) -> str:
    """What :func:`_list_key` starts with before any query: host without www, path without a page
    number, a front controller or a trailing slash. Two URLs of one list share it (a cheap
    necessary condition before the full list key)."""
    host = (host or "").lower()
    host = host[4:] if host.startswith("www.") else host
    path = parts.path or "/"
    if path[-1:].isdigit() or path[-2:-1].isdigit():   # a page number ends the path, if any
        path = _PAGE_PATH_RE.sub("/", path)
    if path.startswith("/index.php"):
        path = re.sub(r"^/index\.php(?=/|$)", "", path)
    return host + (path.rstrip("/") or "/")


def _shape(el, depth: int = 3) -> tuple:
    """An element's skeleton: its tag and its element children's shapes, runs of one shape
    collapsed (two posts of one list share it whatever their lengths)."""
    if depth == 0:
        return (el.tag,)
    kids = []
    for c in el:
        if not isinstance(c.tag, str) or c.tag in SKIP_TAGS:
            continue
        sh = _shape(c, depth - 1)
        if not kids or kids[-1] != sh:
            kids.append(sh)
    return (el.tag, tuple(kids))


@dataclass
class Structure:
    """What the structure pass found on one page (and removed from its tree)."""
    removed: list[dict] = field(default_factory=list)   # {"text", "why", "teaser_of"?}
    text_chars: int = 0       # readable characters in <body> before removal
    teaser_chars: int = 0     # ...of them in removed cards, lists, boxes and read-also lines
    teased: int = 0           # distinct other pages of the site teased by title-like links
    prose_chars: int = 0      # the largest block of running text left (non-link characters)
    body_chars: int = 0       # all running text left outside links once teasers are removed
    items: int = 0            # largest sibling group of titled items (any size) linking elsewhere
    items_chars: int = 0      # ...and the running text in them
    item_cards: int = 0       # cards of the same shape as those items, among their siblings
    pagination: bool = False  # links to another page of the same list (this URL with another page number)

    @property
    def teased_urls(self) -> list[str]:
        return sorted({r["teaser_of"] for r in self.removed if r.get("teaser_of")})

    @property
    def listing(self) -> bool:
        """Most of the page is teaser cards and no single body of text dominates."""
        no_body = self.body_chars < LISTING_MAX_BODY
        # whole posts (or long intros) listed: the running text left sits in items headed by links;
        # an item counts with the cards of its own shape beside it (a list of posts where only
        # some intros are long), and a lone one makes a listing only on a page of a paginated list
        # (an article's own container headed by a link over cards of other shapes is no list)
        listed = self.items + self.item_cards
        posts = listed >= 3 or (listed >= 2 and self.teased >= LISTING_MIN_TEASED) or (
            self.items == 1 and self.pagination and self.teased >= LISTING_MIN_TEASED)
        whole_posts = posts and self.items_chars >= 0.6 * self.body_chars
        return (self.teased >= LISTING_MIN_TEASED and no_body) or whole_posts

    def summary(self) -> dict:
        return {"text_chars": self.text_chars, "teaser_chars": self.teaser_chars, "teased": self.teased,
                "prose_chars": self.prose_chars, "body_chars": self.body_chars, "items": self.items, "items_chars": self.items_chars,
                "item_cards": self.item_cards, "pagination": self.pagination,
                "listing": self.listing}


class _Pass:
    def __init__(self, root, url: str, canonical: str | None = None):
        self.url = url
        self.own_keys = {page_key(url), target_key(url)} | (
            {page_key(canonical), target_key(canonical)} if canonical else set())
        self.own_ids = {ids[-1] for ids in (page_ids(url), page_ids(canonical or "")) if ids}
        body = root.find("body")
        self.body = body if body is not None else root
        self.tot: dict = {}     # element -> readable chars of its subtree (tails of children included)
        self.lnk: dict = {}     # element -> chars inside links to other pages of the site
        self.alnk: dict = {}    # element -> chars inside any link
        self.prose: dict = {}   # element -> running text directly in it or in its prose children
        self.own: dict = {}     # element -> text directly in it (its text and its children's tails)
        self.target: dict = {}  # <a> -> absolute URL of another page of the site
        self.dropped: set = set()
        self.result = Structure()
        self._hrefs: dict[str, tuple[str, str] | None] = {}
        self._key_of: dict[str, str] = {}    # dest -> its target key (as target_key(dest))
        self._stem_of: dict[str, str] = {}   # dest -> its list stem (as _list_stem)
        parts = urlsplit(url)
        self._parts = parts
        self._origin = f"{parts.scheme}://{parts.netloc}"
        self._host = parts.hostname
        self._site = _site(parts.hostname or "")
        self.comment_groups: list[tuple] = []   # (parent, items, whole group) found, not yet removed
        self.pending: set = set()
        self._page_title: str | None = None
        self._texts: dict = {}   # element -> text_content(), until something inside it is removed
        self.items: list = []   # the largest sibling group of whole posts headed by title links

    # -- measures ----------------------------------------------------------------------
    def measure(self) -> None:
        tot, lnk, alnk, prose, target, owns = self.tot, self.lnk, self.alnk, self.prose, self.target, self.own
        tot_get, lnk_get, alnk_get = tot.get, lnk.get, alnk.get
        skip, prose_tags, other_page, hrefs = SKIP_TAGS, PROSE_TAGS, self._other_page, self._hrefs
        # kept for the whole pass: an lxml element's Python proxy (made by lxml.html's class lookup,
        # in Python) lives as long as a reference to it, so every later walk reuses these
        self._elements = elements = list(self.body.iter())
        base = self.url
        # children before parents: every subtree's sums are ready when its parent is measured
        for el in reversed(elements):
            tag = el.tag
            if not isinstance(tag, str) or tag in skip:
                continue   # measures 0; zeros are not stored (every read defaults to 0)
            x = el.text
            own = len(x.strip()) if x else 0   # _n, inlined: this loop runs once per element
            t = own
            lk = ak = 0
            pr = 0
            if len(el):
                for child in el:
                    x = child.tail
                    if x:
                        tl = len(x.strip())
                        own += tl
                        t += tl
                    ct = tot_get(child, 0)
                    if ct:   # a subtree without text has no link text either
                        t += ct
                        lk += lnk_get(child, 0)
                        ca = alnk_get(child, 0)
                        ak += ca
                        if child.tag in prose_tags:
                            pr += ct - ca
            if t:
                tot[el] = t
            if own:
                owns[el] = own
            if tag == "a":
                href = el.get("href")
                if href:
                    ak = t
                    dest = hrefs[href] if href in hrefs else other_page(base, href)
                    if dest:
                        target[el] = dest
                        lk = t
            if lk:
                lnk[el] = lk
            if ak:
                alnk[el] = ak
            if tag != "a" and tag != "li" and (own or pr):
                prose[el] = own + pr
        self.result.text_chars = tot.get(self.body, 0)

    def _other_page(self, base: str, href: str) -> tuple[str, str] | None:
        """(absolute URL, page key) of another page of the site that href leads to, else None."""
        if href in self._hrefs:
            return self._hrefs[href]
        found = None
        h = href.strip()
        if h and not h.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
            try:
                if h.startswith("/") and not h.startswith("//"):
                    dest = self._origin + h
                elif h.startswith(("http://", "https://")):
                    dest = h
                else:
                    dest = urljoin(base, h)
                dest = dest.split("#", 1)[0]
                parts, host = self._split(dest)
                path = parts.path
                dot = path.rfind(".")   # an extension starts at the last "." (paths hold no newline)
                if dot >= 0 and _MEDIA_EXT_RE.fullmatch(path, dot):
                    pass   # an image, a document: a download, not a page teased
                elif parts.scheme in ("http", "https") and host and (host is self._host or _site(host) == self._site):
                    key = target_key(dest, parts, host)   # a page key itself unless the slug names the page
                    own = key in self.own_keys or (key.startswith("slug:") and page_key(dest, parts, host) in self.own_keys)
                    if not own and not (self.own_ids and self.own_ids.intersection(page_ids(dest, parts))):
                        found = (dest, key)
                        self._key_of[dest] = key
                        self._stem_of[dest] = _list_stem(parts, host)
            except ValueError:
                found = None
        self._hrefs[href] = found
        return found

    def _split(self, dest: str):
        """(urlsplit(dest), its hostname), without parsing again the page's own origin: a link
        under it (most of a page's links) shares the page's scheme, netloc and host."""
        o = self._origin
        if dest.startswith(o) and dest[len(o):len(o) + 1] == "/" and not (
                "\t" in dest or "\r" in dest or "\n" in dest):   # urlsplit removes these
            path, _, query = dest[len(o):].partition("?")   # dest has no fragment
            return SplitResult(self._parts.scheme, self._parts.netloc, path, query, ""), self._host
        if not ("\t" in dest or "\r" in dest or "\n" in dest) and (m := _SIMPLE_URL_RE.fullmatch(dest)):
            scheme, netloc, path, query = m.groups()   # dest has no fragment
            return SplitResult(scheme, netloc, path or "", query or "", ""), netloc.lower()
        parts = urlsplit(dest)
        return parts, parts.hostname

    def targets(self, el) -> tuple[str | None, int, object, int]:
        """The other page that most of el's linked text points to:
        (url, chars linked to it, its largest link, number of distinct pages linked)."""
        per: dict[str, int] = {}
        best_link: dict[str, tuple] = {}
        target_get, tot_get = self.target.get, self.tot.get
        for a in el.iter("a"):
            hit = target_get(a)
            if hit is None:
                continue
            dest, key = hit
            size = tot_get(a, 0)
            if key in per:
                per[key] += size
                if size > best_link[key][0]:
                    best_link[key] = (size, a, dest)
            else:
                per[key] = size
                best_link[key] = (size, a, dest)
        if not per:
            return None, 0, None, 0
        key = max(per, key=lambda k: (per[k], k)) if len(per) > 1 else next(iter(per))
        _, a, dest = best_link[key]
        self._main_key = key   # the page most of el's linked text points to
        return dest, per[key], a, len(per)

    def _links_to(self, el, key: str) -> list:
        """Every link of el to the page ``key``, in document order."""
        target_get = self.target.get
        return [a for a in el.iter("a") if (hit := target_get(a)) is not None and hit[1] == key]

    def standalone(self, a, root) -> bool:
        """The link is a line of its own within root: its nearest block holds little else, or
        it sits between block siblings with no running text around it."""
        size = self.tot.get(a, 0)
        if size == 0:
            return False
        node = a
        while node is not root:
            parent = node.getparent()
            if parent is None:
                return False
            if parent.tag in BLOCK_TAGS:
                if self.tot.get(parent, 0) <= STANDALONE_SLACK * size + 3:
                    return True
                # no running text around it: the block is made of elements only
                return self.own.get(parent, 0) <= 3 and self.tot.get(node, 0) <= STANDALONE_SLACK * size + 3
            node = parent
        return self.tot.get(root, 0) <= STANDALONE_SLACK * size + 3

    def card(self, el) -> tuple[str, int, object, str] | None:
        """(teased URL, link chars, link, kind) if el is a teaser card, else None. Kinds:
        "link": most of its text is one link to another page;
        "titled": a standalone title-like link at its top over a summary, label, date;
        "more": small block whose only link to another page stands on its own line under a
        heading ("Read more"): a card only among sibling cards."""
        t = self.tot.get(el, 0)
        if t == 0 or t > CARD_MAX_CHARS or el.tag in TABLE_TAGS:
            return None
        hit = self._card(el, t)
        # a value in a data table is no card (checked last: most blocks are no card anyway)
        return None if hit is None or self._data_cell(el) else hit

    def _card(self, el, t: int) -> tuple[str, int, object, str] | None:
        if self.lnk.get(el, 0) == 0:
            return self.overlay_card(el)
        dest, size, a, n_targets = self.targets(el)
        if dest is None:
            return None
        if size >= CARD_LINK_SHARE * t:
            return dest, size, a, "link"
        if size >= HEADING_CARD_SHARE * t and size >= 0.5 * self.lnk.get(el, 0):
            links = self._links_to(el, self._main_key)
            # the title: a standalone, title-like link to that page at the card's top (filling a
            # heading, it may stand over a longer summary)
            for link in links:
                title = self._text(link)
                share = HEADING_CARD_SHARE if self._in_heading(link, el) else TITLED_CARD_SHARE
                if (size >= share * t and _title_like(title) and self.standalone(link, el)
                        and self._prefix(el, title) <= 0.25 * t):
                    return dest, size, link, "titled"
        if not self.standalone(a, el):
            return None
        if (size >= 0.6 * self.lnk.get(el, 0) and next(el.iter(*HEADING_TAGS), None) is not None
                and not _has_descendant(el, "td") and self._suffix(el, a) <= 3):
            return dest, size, a, "more"
        return None

    def overlay_card(self, el) -> tuple[str, int, object, str] | None:
        """A card whose link carries no text: one link (or several to one page) around nothing
        or an image only, laid over or beside a title-like heading ("stretched link" cards). Its
        heading stands for the title link."""
        heading = next(el.iter(*HEADING_TAGS), None)   # (cheapest test first: most blocks have none)
        if heading is None:
            return None
        if self.alnk.get(el, 0) and any(self.alnk.get(c, 0) for c in el):   # (el's sums its children's)
            return None   # some link has text: not an overlay card
        dests = {self.target[a] for a in el.iter("a") if a in self.target}
        if len({key for _, key in dests}) != 1:
            return None
        if not _title_like(title := self._text(heading)):
            return None
        if self._prefix(el, title) > 0.25 * self.tot.get(el, 0):
            return None
        dest = min(dests)[0]
        return dest, self.tot.get(heading, 0), heading, "titled"

    def _data_cell(self, el) -> bool:
        """el sits, with no block of its own around it, in a cell of a table row that has other
        cells with text: a value in a data table (an ingredient, a venue, a player), not a card."""
        node = el.getparent()
        while node is not None and node.tag not in BLOCK_TAGS:
            node = node.getparent()
        if node is None or node.tag not in ("td", "th"):
            return False
        row = node.getparent()
        return row is not None and sum(1 for cell in row if cell is not node and self.tot.get(cell, 0)) >= 1

    def _in_heading(self, a, root) -> bool:
        node = a.getparent()
        while node is not None and node is not root:
            if node.tag in HEADING_TAGS:
                return True
            if node.tag in BLOCK_TAGS:
                return False
            node = node.getparent()
        return False

    def _text(self, el) -> str:
        """``el.text_content()``, read once per element (the checks ask for the same links', cards'
        and headings' texts several times). :meth:`_detach` forgets what a removal changes."""
        text = self._texts.get(el)
        if text is None:
            text = self._texts[el] = el.text_content()
        return text

    def _detach(self, el) -> None:
        """Remove el from the tree; the texts of its ancestors lose its text (el's own subtree,
        and its siblings' texts, stay what they were)."""
        if self._texts:
            pop = self._texts.pop
            for up in el.iterancestors():
                pop(up, None)
        el.drop_tree()

    def _head_of(self, el, cap: int) -> str:
        """:func:`_head` of el, from its remembered text when it is small."""
        size = self.tot.get(el)
        if size is not None and size <= 4 * cap:
            return " ".join(self._text(el).split())
        return _head(el, cap)

    def _suffix(self, el, a) -> int:
        """Characters of el's text after the link a (a "Read more" link ends its card)."""
        full = " ".join(self._text(el).split())
        text = " ".join(self._text(a).split())
        pos = full.rfind(text)
        return len(full[pos + len(text):].replace(" ", "")) if pos >= 0 else len(full)

    def _prefix(self, el, text: str) -> int:
        """Characters of el's text before the first occurrence of text."""
        full = " ".join(self._text(el).split())
        pos = full.find(" ".join(text.split()))
        return len(full[:pos].replace(" ", "")) if pos >= 0 else len(full)

    def _prefix_within(self, el, text: str, limit: int) -> bool:
        """``self._prefix(el, text) <= limit``, reading only the start of a large el (a page-wide
        container): in a collapsed text at most every other character is a space, so an
        occurrence starting past 2 * limit + 2 has more than ``limit`` characters before it."""
        t = " ".join(text.split())
        cap = 2 * limit + 2 + len(t)
        full = self._head_of(el, cap)   # all of it, or a prefix longer than cap
        pos = full.find(t)
        if pos < 0:
            return len(full) <= limit   # (a cut prefix is longer than cap > limit)
        return len(full[:pos].replace(" ", "")) <= limit

    # -- removal -------------------------------------------------------------------------
    def drop(self, el, why: str, teaser_of: str | None = None, teaser: bool = False, link=None) -> None:
        if el in self.dropped or el.getparent() is None:
            return
        text = self._head_of(el, TEXT_CAP)   # as _flat(el)
        text = text if len(text) <= TEXT_CAP else text[: TEXT_CAP - 1] + "\u2026"
        record = {"text": text, "why": why, "chars": self.tot.get(el, 0)}
        if teaser_of:
            record["teaser_of"] = teaser_of
            if link is not None and _title_like(title := " ".join(self._text(link).split())):
                record["title"] = title
        self.result.removed.append(record)
        if teaser:
            self.result.teaser_chars += self.tot.get(el, 0)
        self.dropped.add(el)
        self._detach(el)

    def drop_leftover(self, parent) -> None:
        """After removing a group, a container left with only a heading goes too, and so does
        a short heading right before it ("Related articles", "3 comments")."""
        node = parent
        while node is not None and node is not self.body and node.tag not in ("main", "article", "td", "th",
                                                                              "tr", "table", "tbody"):
            rest = self._head_of(node, LEFTOVER_CHARS)   # all of it, or enough to know it is longer
            left = _n(rest)
            if left > LEFTOVER_CHARS or (rest.endswith((".", "!", "?")) and len(rest.split()) >= 5):
                break   # a sentence left is text, not a label
            up = node.getparent()
            if up is None:
                break
            if left:
                self.drop(node, "teaser_label")
            else:
                self.dropped.add(node)
                self._detach(node)
            node = up

    def drop_heading_before(self, el, *, labels_only: bool = False) -> None:
        """The short heading right before a removed group ("Related articles"), or the label line
        that introduces what was removed ("Read also:", "Das Thema könnte dich auch
        interessieren:"): a short line ending with a colon, or all in bold. ``labels_only``:
        a single removed card keeps the section heading above it; only its colon label goes."""
        prev = el.getprevious()
        while prev is not None and not isinstance(prev.tag, str):
            prev = prev.getprevious()
        if prev is None or prev.tag not in BLOCK_TAGS or prev in self.dropped:
            return
        text = self._head_of(prev, LEFTOVER_CHARS)
        if not 0 < _n(text) <= LEFTOVER_CHARS or any(a in self.target for a in prev.iter("a")):
            return
        heading = prev.tag in HEADING_TAGS or (len(prev) == 1 and prev[0].tag in HEADING_TAGS)
        bold = len(prev) == 1 and prev[0].tag in ("strong", "b") and not _n(prev.text) and not _n(prev[0].tail)
        label = text.endswith((":", "\uff1a")) and prev.tag not in TABLE_TAGS
        if label or (not labels_only and (heading or bold)):
            self.drop(prev, "teaser_label")

    # -- detection -----------------------------------------------------------------------
    def run(self) -> Structure:
        self.measure()
        self.forms()
        singles: dict[str, list] = {}
        self.visit(self.body, singles)
        self.drop_comments()
        for key, found in singles.items():   # the same card twice on one page
            # twice means two links: a card nested in a card (a list item in its list) is one
            if len({id(link) for _, _, link in found}) > 1:
                for el, dest, _ in found:
                    if el not in self.dropped and el.getparent() is not None and not self._inside_dropped(el):
                        self.drop(el, "teaser_repeated", dest, teaser=True)
        self.repeated_teasers()
        self.result.teased = len({self._key_of[r["teaser_of"]] for r in self.result.removed
                                  if r.get("teaser_of") and _title_like(r["text"])})
        in_links = {el for a in self.body.iter("a") for el in a.iter()}
        items = set(self.items)
        prose = body = in_items = 0
        prose_el = None
        prose_get, own_get = self.prose.get, self.own.get
        inside: set = set()   # elements in one of the items (an item or below one), parents first
        for el in self.body.iter():
            if prose_get(el, 0) > prose:
                prose, prose_el = self.prose[el], el
            if el not in in_links:   # (nor, then, any of its ancestors)
                own = own_get(el, 0)
                body += own
                if items and (el in items or el.getparent() in inside) and el.getparent() is not None:
                    inside.add(el)
                    in_items += own
        self.result.prose_chars, self.result.body_chars = prose, body
        # whole posts listed: the running text left in them (cards of their shape included),
        # provided the largest block of running text sits inside one of them
        self.result.items_chars = in_items
        if prose_el is None or not any(a in items for a in [prose_el, *prose_el.iterancestors()]):
            self.result.items_chars = 0
        self.result.pagination = self.paginated()
        return self.result

    def paginated(self) -> bool:
        """This page is one page of a list: it links to the same path with another page number
        (``?start=8``, ``?page=2``, ``/page/3/``, or page 1 without one). Post navigation to other
        articles, and ``?p=123`` shortlinks, lead to other paths or other ids: not pagination."""
        own = _list_key(self.url)
        stem = _list_stem(self._parts, self._host)   # a URL of this list shares it: a cheap filter first
        return any(self._stem_of[dest] == stem and _list_key(dest) == own and page_key(dest) not in self.own_keys
                   for dest, _ in self.target.values())

    def repeated_teasers(self) -> None:
        """A page teased by a card is teased again by any short block that is mostly a title
        link to it, whatever that block's shape ("Popular" lists beside "Related" cards)."""
        teased = {self._key_of[r["teaser_of"]] for r in self.result.removed if r.get("teaser_of")}
        if not teased:
            return
        for a, (dest, key) in list(self.target.items()):
            if key not in teased or a.getparent() is None or not _title_like(self._text(a)):
                continue
            block = a.getparent()
            while block is not None and block.tag not in BLOCK_TAGS:
                block = block.getparent()
            if block is None or block is self.body or block.tag in TABLE_TAGS or self._inside_dropped(a):
                continue
            t = self.tot.get(block, 0)
            if t <= READ_ALSO_MAX_CHARS and self.tot.get(a, 0) >= 0.3 * t:
                parent = block.getparent()
                self.drop(block, "teaser_repeated", dest, teaser=True, link=a)
                if parent is not None and parent.getparent() is not None:
                    self.drop_leftover(parent)

    def _inside_dropped(self, el) -> bool:
        node = el.getparent()
        while node is not None:
            if node in self.dropped:
                return True
            node = node.getparent()
        return False

    def forms(self) -> None:
        for form in list(self.body.iter("form")):
            if self._inside_dropped(form) or form in self.dropped:
                continue
            inputs = list(form.iter("input"))
            if _has_descendant(form, "textarea"):
                why = "comment_form"
            elif any((i.get("type") or "").lower() == "email" or "mail" in " ".join(
                    (i.get("name") or "", i.get("id") or "", i.get("placeholder") or "")).lower() for i in inputs):
                why = "newsletter"
            else:
                continue
            node = form
            limit = self.tot.get(form, 0) + BLURB_CHARS
            while True:
                parent = node.getparent()
                if parent is None or parent is self.body or parent.tag in ("main", "article", "body"):
                    break
                if self.tot.get(parent, 0) > limit or self.prose.get(parent, 0) > BLURB_CHARS:
                    break
                node = parent
            self.drop_heading_before(node)
            self.drop(node, why)

    def visit(self, parent, singles: dict) -> None:
        tot_get = self.tot.get   # (comments and SKIP_TAGS subtrees measure 0)
        kids = [c for c in parent if tot_get(c, 0)]
        if not kids:
            return
        cards: dict[str, list] = {}
        found = {}
        # inline elements within running text ("see <a>this</a> and <a>that</a>") are no cards
        running = self.own.get(parent, 0) > 0.1 * self.tot.get(parent, 0)
        for c in kids:
            if running and c.tag not in BLOCK_TAGS:
                continue
            hit = self.card(c)
            if hit:
                found[c] = hit
                cards.setdefault(c.tag, []).append(c)
        # posts shown whole (a blog's front page): siblings each headed by a title link elsewhere
        big: dict[str, list] = {}
        for c in kids:
            if self.tot.get(c, 0) > CARD_MAX_CHARS and self._headed_by_link(c):
                entry = big.setdefault(c.tag, [0, 0, []])
                entry[0] += 1
                entry[1] += self.tot[c] - self.alnk.get(c, 0)
                entry[2].append(c)
        for tag, (count, chars, items) in big.items():
            shapes = {_shape(c) for c in items}
            # the shorter posts beside them: siblings of their shape, cards or headed by a title link
            same_shape = [c for c in kids if c.tag == tag and c not in items and _shape(c) in shapes
                          and (c in found or self._headed_by_link(c))]
            best = (self.result.items + self.result.item_cards, self.result.items)
            # the largest group wins; of equal ones, the inner (a wrapper is "headed" by its first post)
            if (count + len(same_shape), count) > best or ((count + len(same_shape), count) == best and self.items
                                                           and any(p in self.items for p in parent.iterancestors())):
                self.result.items, self.result.item_cards = count, len(same_shape)
                self.items = items + same_shape
        removed_any = False
        # a list made mostly of unlinked items (date, venue, referee; steps, ingredients) is a list
        # of facts: its linked items are values too, neither a card group nor read-also lines
        facts = set()
        if parent.tag in LIST_TAGS:
            for tag, group in cards.items():
                if len(group) < 0.5 * sum(1 for c in kids if c.tag == tag):
                    facts.add(tag)
        for tag, group in cards.items():
            if len(group) < 2 or tag in facts:
                continue
            why = "link_list" if parent.tag in ("ul", "ol", "menu", "nav") else "teaser_cards"
            if not removed_any and len(group) == len(kids):
                self.drop_heading_before(parent)
            for c in group:
                self.drop(c, why, found[c][0], teaser=True, link=found[c][2])
            removed_any = True
        if not removed_any and len(kids) >= 2 and len({c.tag for c in kids}) < len(kids):
            self.comments(parent, kids)
        if removed_any:
            self.drop_leftover(parent)
            if parent in self.dropped:
                return
        for c in kids:
            if c in self.dropped or c in self.pending:
                continue
            if c.tag in facts:
                self.visit(c, singles)
                continue
            hit = found.get(c)
            if hit:
                dest, size, a, kind = hit
                if kind != "more" and self.embedded_box(c, a):
                    self.drop_heading_before(c, labels_only=True)
                    self.drop(c, "embedded_post", dest, teaser=True, link=a)
                    continue
                if self.read_also(c, a, size):
                    self.drop_heading_before(c, labels_only=True)
                    self.drop(c, "read_also", dest, teaser=True, link=a)
                    continue
                if kind != "more" and _title_like(self._text(a)):
                    singles.setdefault(target_key(dest), []).append((c, dest, a))
            elif c.tag in LINE_TAGS and self.tot[c] <= READ_ALSO_MAX_CHARS and self.lnk.get(c, 0):
                dest, size, a, _ = self.targets(c)
                if dest and self.read_also(c, a, size):
                    self.drop_heading_before(c, labels_only=True)
                    self.drop(c, "read_also", dest, teaser=True, link=a)
                    continue
            self.visit(c, singles)

    def _headed_by_link(self, el) -> bool:
        heading = next(el.iter("h1", "h2", "h3", "h4"), None)
        if heading is None or self.tot.get(heading, 0) == 0:
            return False
        linked = sum(self.tot.get(a, 0) for a in heading.iter("a") if a in self.target)
        if linked < 0.8 * self.tot[heading] or not _title_like(text := self._text(heading)):
            return False
        # it heads the item (a card's title inside a body is no headline of the body), and it is
        # not the page's own headline linking to another URL of itself (/node/123)
        return self._prefix_within(el, text, 60) and _words(text) not in self.page_title

    @property
    def page_title(self) -> str:
        if self._page_title is None:
            root = self.body.getroottree().getroot()
            parts = [t.text_content() for t in root.iter("title")][:1]
            parts += [m.get("content") or "" for m in root.iter("meta") if m.get("property") == "og:title"]
            self._page_title = " | ".join(_words(p) for p in parts)
        return self._page_title

    def embedded_box(self, el, a) -> bool:
        if el.tag not in BOX_TAGS:
            return False
        kids = [k for k in el if isinstance(k.tag, str)]
        has_image = _has_descendant(el, "img")
        return (len(kids) >= 2 or has_image) and _title_like(self._text(a)) and self.standalone(a, el)

    def read_also(self, el, a, size: int) -> bool:
        t = self.tot.get(el, 0)
        if el.tag not in LINE_TAGS or t > READ_ALSO_MAX_CHARS or size < READ_ALSO_SHARE * t:
            return False
        text = self._text(a)
        if not _title_like(text):
            return False
        full = " ".join(self._text(el).split())
        pos = full.find(" ".join(text.split()))
        return 0 <= pos and _n(full[:pos]) <= READ_ALSO_PREFIX

    def comments(self, parent, kids) -> bool:
        by_tag: dict[str, list] = {}
        for c in kids:
            if COMMENT_MIN_CHARS <= self.tot.get(c, 0) <= COMMENT_MAX_CHARS:
                by_tag.setdefault(c.tag, []).append(c)
        done = False
        hinted_parent = None   # read when a group is dated (most sibling groups are not)
        for tag, group in by_tag.items():
            if len(group) < 2:
                continue
            need = max(2, 0.8 * len(group))
            dated = []
            for i, c in enumerate(group):
                if self._dated(c) and not self._titled(c):
                    dated.append(c)
                elif len(dated) + len(group) - i - 1 < need:
                    break   # too few can be left: the group is no thread
            if len(dated) < need:
                continue
            threaded = tag in ("li", "article") and any(_has_descendant(c, tag) for c in dated)
            if hinted_parent is None:
                hinted_parent = bool(_COMMENT_HINT.search(f"{parent.get('class', '')} {parent.get('id', '')}"))
            hinted = hinted_parent or sum(bool(_COMMENT_HINT.search(f"{c.get('class', '')} {c.get('id', '')}"))
                                          for c in dated) >= 0.8 * len(dated)
            if not (threaded or hinted):   # else the reply controls need not be read
                controls = [self._controls(c) for c in dated]
                if not (set.intersection(*controls) if controls else set()):
                    continue
            # decided once the whole page is seen: comments go only when the page has a body
            # of its own (on a forum thread or a Q&A page, the posts are the content)
            self.comment_groups.append((parent, dated, len(group) == len(kids)))
            self.pending.update(dated)
            done = True
        return done

    def drop_comments(self) -> None:
        if not self.comment_groups:
            return
        inside = {el for _, items, _ in self.comment_groups for item in items for el in item.iter()}
        body = max((self.prose.get(el, 0) for el in self.body.iter() if el not in inside), default=0)
        if body < COMMENT_BODY_MIN:
            return
        for parent, items, whole in self.comment_groups:
            if whole:
                self.drop_heading_before(parent)
            for c in items:
                self.drop(c, "comment")
            self.drop_leftover(parent)

    def _titled(self, el) -> bool:
        """Comments carry no h1-h3 headline; posts and article sections do."""
        return next(el.iter("h1", "h2", "h3"), None) is not None

    def _dated(self, el) -> bool:
        if _has_descendant(el, "time"):
            return True
        size = self.tot.get(el)
        raw = self._text(el)[:400] if size is not None and size <= 1600 else _raw_head(el, 400)
        head = " ".join(raw.split())
        return _has_date(head)

    def _controls(self, el) -> set[str]:
        """Short controls of el that act on the page itself (reply, like, report): buttons, and
        links without a destination page (fragment, script, this page, a reply parameter)."""
        found = set()
        for node in el.iter("a", "button"):
            text = " ".join(self._text(node).split()).lower()
            if not text or _n(text) > CONTROL_MAX_CHARS:
                continue
            if node.tag == "a":
                href = (node.get("href") or "").strip()
                if href and not href.startswith(("#", "javascript:")) and not _REPLY_HREF.search(href):
                    try:
                        if page_key(urljoin(self.url, href)) not in self.own_keys:
                            continue
                    except ValueError:
                        continue
            found.add(text)
        return found


def analyse(root, url: str, *, canonical: str | None = None) -> Structure:
    """Find teasers, comments and newsletter blurbs in ``root`` (an lxml HTML tree), remove them
    from it in place, and return what was removed with the page-type evidence."""
    return _Pass(root, url, canonical).run()
