"""PDFs rendered with WeasyPrint from the same templates that serve the HTML print pages."""

import os
import re
import unicodedata
from collections.abc import Iterable
from urllib.parse import unquote, urljoin, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import SuspiciousFileOperation
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

CONTENT_TYPES = {
    ".css": "text/css",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".svg": "image/svg+xml",
    ".ttf": "font/ttf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
}


class StaticOnlyFetcher(URLFetcher):
    """Fetches the project's own static files from disk and refuses every other URL.

    A template is rendered with data that users typed (action texts, names of committees);
    if any of it ever reached a URL, WeasyPrint must not be able to reach the network, the
    file system or an internal service on the server's behalf.
    """

    def __init__(self, base_url: str) -> None:
        super().__init__(allowed_protocols=(), allow_redirects=False)
        self.static_prefix = urljoin(base_url, settings.STATIC_URL)

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        if not url.startswith(self.static_prefix):
            raise ValueError(f"only static files may be fetched, not {url}")
        name = unquote(urlsplit(url[len(self.static_prefix) :]).path)
        path = static_path(name)
        if path is None:
            raise ValueError(f"no static file {name}")
        content_type = CONTENT_TYPES.get(os.path.splitext(path)[1].lower())
        if content_type is None:
            raise ValueError(f"not a stylesheet, image or font: {name}")
        with open(path, "rb") as file:
            body = file.read()
        headers = {"Content-Type": content_type}
        return URLFetcherResponse(url, body, headers)


def static_path(name: str) -> str | None:
    """The file on disk behind a static name: collected (hashed names in production) or found
    in the apps (development and tests). Names that climb out of those folders are refused."""
    if not name or name.startswith(("/", "\\")) or ".." in name.split("/"):
        return None
    try:
        collected = staticfiles_storage.path(name)
    except (NotImplementedError, SuspiciousFileOperation):
        collected = None
    if collected and os.path.isfile(collected):
        return collected
    try:
        found = finders.find(name)
    except SuspiciousFileOperation:
        return None
    return found if isinstance(found, str) and os.path.isfile(found) else None


def pdf_document(html: str, base_url: str):
    """The laid-out pages of an HTML document whose stylesheets and images are static files.

    ``base_url`` is the absolute URL the page would have (e.g. ``http://host/``); only URLs
    under its ``STATIC_URL`` are read, straight from disk, never over the network.
    """
    return HTML(string=html, base_url=base_url, url_fetcher=StaticOnlyFetcher(base_url)).render()


def pdf_bytes(html: str, base_url: str) -> bytes:
    """The PDF of an HTML document whose stylesheets and images are static files."""
    return pdf_document(html, base_url).write_pdf()


def safe_filename(name: str, extension: str = ".pdf") -> str:
    """ASCII letters, digits, dots, dashes and underscores only, so every browser and every
    operating system keeps the name as given (accents are folded: «Comité» → «Comite»)."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    stem = folded.removesuffix(extension)
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip(".-_")[:120] or "documento"
    return stem + extension


def render_pdf(
    request: HttpRequest,
    template_name: str,
    context: dict,
    filename: str,
    one_page_tries: Iterable[dict] = (),
) -> HttpResponse:
    """Render a print template as a PDF download.

    The template gets ``as_pdf`` = True, so it can leave out what only makes sense on a
    screen (the back link, the print button). While the document takes more than one page,
    each of ``one_page_tries`` (changes to the context, such as smaller type) is tried in
    turn; the last one stands even if it still does not fit.
    """
    base_url = request.build_absolute_uri("/")
    tries = iter(one_page_tries)
    changes: dict = {}
    while True:
        html = render_to_string(
            template_name, {**context, **changes, "as_pdf": True}, request=request
        )
        document = pdf_document(html, base_url)
        if len(document.pages) <= 1 or (changes := next(tries, None)) is None:
            break
    response = HttpResponse(document.write_pdf(), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=safe_filename(filename)
    )
    # Printables carry a committee's own records: no shared cache may keep them.
    patch_cache_control(response, private=True, no_store=True)
    return response
