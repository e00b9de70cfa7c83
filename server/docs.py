"""The API documentation page (`/docs`, Swagger UI) served wholly by the server: halls run on closed
networks, where FastAPI's default page (script and style from a public CDN) stays blank.

Swagger UI's files come from the `fastapi-offline` package (MIT; it ships Swagger UI, Apache-2.0), served
under `/docs/assets/`. The page's Content-Security-Policy lets the browser load nothing from elsewhere,
and Swagger UI's validator badge (an image from a public site) is switched off. ReDoc (`/redoc`) is not
served: one documentation page is enough, and ReDoc's page links out to its maker's site.

The OpenAPI schema also describes the bodies the wire module reads itself (push, enrolment, resolving a
conflict), and leaves out FastAPI's 422 answers: parameter errors are answered 400 (server.routes.errors).
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.resources import files
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, Response
from pydantic import TypeAdapter

from app.sync.account_wire import AccountRequest, PasswordChange, Rehash
from app.sync.wire import EnrollRequest, LicenceLookupRequest, PushRequest, ResolveRequest

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


def document_request_bodies(app: FastAPI) -> None:
    """`app`'s OpenAPI schema with the push, enrolment and resolution bodies, which are parsed by the wire
    module, not by FastAPI, and without 422 answers (parameter errors are answered 400 with an ErrorBody)."""
    app.openapi = _openapi_with_request_schemas(app)  # type: ignore[method-assign]


def _openapi_with_request_schemas(app: FastAPI) -> Callable[[], dict[str, Any]]:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            tags=app.openapi_tags,
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                operation.get("responses", {}).pop("422", None)
        for name in ("HTTPValidationError", "ValidationError"):
            components.pop(name, None)
        for model in (
            PushRequest,
            EnrollRequest,
            ResolveRequest,
            AccountRequest,
            PasswordChange,
            Rehash,
            LicenceLookupRequest,
        ):
            model_schema = TypeAdapter(model).json_schema(ref_template="#/components/schemas/{model}")
            for name, definition in model_schema.pop("$defs", {}).items():
                components.setdefault(name, definition)
            components.setdefault(model.__name__, model_schema)
        app.openapi_schema = schema
        return schema

    return openapi
