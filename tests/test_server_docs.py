"""The API documentation works on a hall's closed network (issue 9, finding 12): every page the server
serves loads only what the server itself serves; nothing from a CDN. Against a real `clerk-server serve`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from tests.sync_harness import ServerProcess, server_for

pytestmark = pytest.mark.slow


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found += [value for name, value in attrs if name in ("src", "href") and value]


def references(html: str) -> list[str]:
    parser = _References()
    parser.feed(html)
    return parser.found


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    yield from server_for("sqlite", tmp_path_factory.mktemp("docs"))


@pytest.fixture
def http(server: ServerProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield client


def test_docs_load_only_what_the_server_serves(http: httpx.Client, server: ServerProcess) -> None:
    page = http.get("/docs")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert not re.search(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", page.text, re.IGNORECASE), page.text
    # The browser is told so too: nothing from elsewhere, even should a script ask for it.
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "connect-src 'self'" in policy and "http" not in policy
    found = references(page.text)
    assert len(found) >= 3  # the script, the style sheet, the icon
    for reference in found:
        url = urljoin(f"{server.url}/docs", reference)
        assert urlsplit(url).netloc == urlsplit(server.url).netloc, reference
        asset = http.get(url)
        assert asset.status_code == 200 and asset.content, reference
        if reference.endswith(".css"):
            elsewhere = re.search(r"url\(\s*['\"]?(?:https?:)?//", asset.text)
            assert not elsewhere, "a style sheet loads from elsewhere"
    spec = re.search(r"url: '([^']+)'", page.text)
    assert spec is not None and http.get(spec.group(1)).json()["info"]["title"].startswith("Window Clerk")
    assert "validatorUrl" in page.text  # Swagger UI's validator badge (an external image) is switched off


def test_redoc_is_gone_and_the_readme_says_so(http: httpx.Client) -> None:
    answer = http.get("/redoc")
    assert answer.status_code == 404 and answer.json()["error"] == "not_found"
    readme = (Path(__file__).resolve().parent.parent / "server" / "README.md").read_text(encoding="utf-8")
    assert "/redoc" in readme and "/docs" in readme
