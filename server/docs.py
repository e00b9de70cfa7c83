"""The API documentation page (`/docs`, Swagger UI) served wholly by the server: halls run on closed
networks, where FastAPI's default page (script and style from a public CDN) stays blank.

Swagger UI's files come from the `fastapi-offline` package (MIT; it ships Swagger UI, Apache-2.0), served
under `/docs/assets/`. The page's Content-Security-Policy lets the browser load nothing from elsewhere,
and Swagger UI's validator badge (an image from a public site) is switched off. ReDoc (`/redoc`) is not
served: one documentation page is enough, and ReDoc's page links out to its maker's site.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response

DOCS_PATH = "/docs"
ASSETS_PATH = f"{DOCS_PATH}/assets"
# name → media type: what the page loads, and nothing else of the package
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon.png": "image/png",
}
POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self' data:; frame-ancestors 'none'"
)


def _asset(name: str) -> bytes:
    return (files("fastapi_offline") / "static" / name).read_bytes()


def add_offline_docs(app: FastAPI, *, title: str) -> None:
    """`/docs` and its assets on `app` (created with `docs_url=None, redoc_url=None`)."""
    openapi_url = app.openapi_url or "/openapi.json"
    cache: dict[str, bytes] = {}

    @app.get(DOCS_PATH, include_in_schema=False)
    def docs() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{title} - API",
            swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_PATH}/favicon.png",
            oauth2_redirect_url=None,
            swagger_ui_parameters=_parameters(app),
        )
        page.headers["Content-Security-Policy"] = POLICY
        return page

    @app.get(f"{ASSETS_PATH}/{{name}}", include_in_schema=False)
    def asset(name: str) -> Response:
        media_type = ASSETS.get(name)
        if media_type is None:
            return Response(status_code=404)
        if name not in cache:
            cache[name] = _asset(name)
        return Response(cache[name], media_type=media_type, headers={"Cache-Control": "max-age=86400"})


def _parameters(app: FastAPI) -> dict[str, Any]:
    return {**(app.swagger_ui_parameters or {}), "validatorUrl": None}
