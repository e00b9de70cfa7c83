"""The API assembled from its routers (server.routes) keeps its contract, and the case projection it
serves is the status table's (app.cases.status)."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import permutations
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from app.cases.status import project_status
from app.sync import wire
from app.sync.wire import EventKind
from server.api import create_app
from server.routes import (
    ROUTERS,
    accounts,
    blobs,
    cases,
    conflicts,
    devices,
    health,
    helper_cases,
    helpers,
    licences,
    reference,
    sync,
)
from tests.server_fixtures import (  # noqa: F401 (fixtures)
    TestClient,
    client_fixture,
    decided,
    enroll,
    follow_up,
    server_app_fixture,
    server_clock_fixture,
    target_fixture,
)

# (method, path) → (tag, documented statuses, needs a device credential): what windows and hall IT rely on.
CONTRACT = {
    ("POST", wire.ENROLL_PATH): ("devices", {200, 400, 403, 409, 413, 429}, False),
    ("POST", wire.CONFIRM_PATH): ("devices", {200, 401, 409}, True),
    ("POST", wire.PUSH_PATH): ("sync", {200, 400, 401, 403, 413, 503}, True),
    ("GET", wire.PULL_PATH): ("sync", {200, 400, 401}, True),
    ("GET", wire.RECONCILE_PATH): ("sync", {200, 400, 401}, True),
    ("GET", wire.CATALOG_PATH): ("reference", {200, 401, 404}, True),
    ("GET", wire.CASE_FETCH_PATH): ("sync", {200, 400, 401, 403, 404, 413}, True),
    ("GET", wire.BUNDLE_PATH): ("sync", {200, 400, 401, 403, 404}, True),
    ("POST", wire.LICENCE_LOOKUP_PATH): ("sync", {200, 400, 401, 429}, True),
    ("POST", wire.BLOB_UPLOAD_PATH): ("blobs", {200, 400, 401, 409, 413, 503}, True),
    ("PUT", wire.BLOB_UPLOAD_PATH): ("blobs", {200, 400, 401, 409, 413, 503, 507}, True),
    ("GET", wire.BLOB_PATH): ("blobs", {200, 400, 401, 404}, True),
    ("POST", wire.CONFLICT_RESOLVE_PATH): ("sync", {200, 400, 401, 403, 404, 409, 429}, True),
    ("POST", wire.ACCOUNTS_LIST_PATH): ("accounts", {200, 400, 401, 403, 413, 429}, True),
    ("POST", wire.ACCOUNT_ADD_PATH): ("accounts", {200, 400, 401, 403, 409, 413, 429}, True),
    ("POST", wire.ACCOUNT_ACTION_PATH): ("accounts", {200, 400, 401, 403, 404, 409, 413, 429}, True),
    ("POST", wire.PASSWORD_CHANGE_PATH): ("accounts", {200, 400, 401, 403, 409, 413, 429}, True),
    ("POST", wire.PASSWORD_REHASH_PATH): ("accounts", {200, 400, 401, 403, 409, 413, 429}, True),
    ("POST", wire.KEYS_PUBLISH_PATH): ("helpers", {200, 400, 401, 413}, True),
    ("POST", wire.DRAFTS_PATH): ("helpers", {200, 400, 401, 409, 413}, True),
    ("GET", wire.DRAFTS_PATH): ("helpers", {200, 401}, True),
    ("GET", wire.DRAFT_PATH): ("helpers", {200, 400, 401, 404}, True),
    ("GET", wire.HELPER_CASES_PATH): ("helpers", {200, 400, 401, 403}, True),
    ("GET", wire.HEALTH_PATH): ("health", {200, 503}, False),
}


@pytest.fixture(name="bare_app")
def bare_app_fixture(tmp_path: Path) -> Iterator[FastAPI]:
    app = create_app(database_url=f"sqlite:///{tmp_path / 'server.sqlite3'}")
    yield app
    app.state.db.close()


def test_every_endpoint_keeps_its_path_answers_and_credential(bare_app: FastAPI) -> None:
    schema = bare_app.openapi()
    found = {
        (method.upper(), path): (
            operation["tags"][0],
            {int(status) for status in operation["responses"]},
            "security" in operation,
        )
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
    }
    assert found == CONTRACT


def test_each_area_has_its_own_router_and_the_app_mounts_them_all(bare_app: FastAPI) -> None:
    def paths(routes: list[BaseRoute]) -> set[str]:
        return {route.path for route in routes if isinstance(route, APIRoute)}

    assert paths(devices.router.routes) == {wire.ENROLL_PATH, wire.CONFIRM_PATH}
    assert paths(sync.router.routes) == {wire.PUSH_PATH, wire.PULL_PATH, wire.RECONCILE_PATH}
    assert paths(cases.router.routes) == {wire.CASE_FETCH_PATH, wire.BUNDLE_PATH}
    assert paths(blobs.router.routes) == {wire.BLOB_UPLOAD_PATH, wire.BLOB_PATH}
    assert paths(reference.router.routes) == {wire.CATALOG_PATH}
    assert paths(conflicts.router.routes) == {wire.CONFLICT_RESOLVE_PATH}
    assert paths(accounts.router.routes) == {
        wire.ACCOUNTS_LIST_PATH,
        wire.ACCOUNT_ADD_PATH,
        wire.ACCOUNT_ACTION_PATH,
        wire.PASSWORD_CHANGE_PATH,
        wire.PASSWORD_REHASH_PATH,
    }
    assert paths(helpers.router.routes) == {wire.KEYS_PUBLISH_PATH, wire.DRAFTS_PATH, wire.DRAFT_PATH}
    assert paths(helper_cases.router.routes) == {wire.HELPER_CASES_PATH}
    assert paths(licences.router.routes) == {wire.LICENCE_LOOKUP_PATH}
    assert paths(health.router.routes) == {wire.HEALTH_PATH}
    in_routers = [path for router in ROUTERS for path in sorted(paths(router.routes))]
    assert (
        len(in_routers) == len(set(in_routers)) == len({path for _method, path in CONTRACT})
    )  # one area each
    assert set(bare_app.openapi()["paths"]) == set(in_routers)


def test_each_endpoint_needing_a_credential_refuses_a_request_without_one(
    bare_app: FastAPI,
) -> None:
    with TestClient(bare_app) as client:
        for (method, path), (_tag, _statuses, needs_device) in CONTRACT.items():
            url = path.replace("{version}", "v1").replace("{conflict_id}", "1").replace("{number}", "X")
            url = url.replace("{sha256}", "0" * 64).replace("{draft_id}", "x")
            response = client.request(method, url, json={} if method in ("POST", "PUT") else None)
            if needs_device:
                assert (response.status_code, response.json()["error"]) == (401, "unauthorized"), url
                assert response.headers["WWW-Authenticate"] == "Bearer"
            else:
                assert response.status_code != 401, url


@pytest.mark.parametrize(
    "order",
    list(
        permutations(
            [EventKind.CASE_DECIDED, EventKind.CERTIFICATE_ISSUED, EventKind.CERTIFICATE_HANDED_OVER]
        )
    ),
    ids=lambda order: "-".join(kind.split(".")[-1] for kind in order),
)
def test_the_projection_is_the_status_table_whatever_order_events_arrive_in(
    client: TestClient, server_app: FastAPI, order: tuple[EventKind, ...]
) -> None:
    """One event per push, in every order (a window with batches on the wire at once): after each push
    the case's status is what the status table makes of its decision and the kinds of event stored, and
    nothing while the decision has not arrived."""
    window = enroll(client, server_app, window="SZX0103")
    [decision] = decided("SZX0103", [1])
    number = decision.case_number
    stored: set[str] = set()
    for local_seq, kind in enumerate(order, 1):
        if kind is EventKind.CASE_DECIDED:
            event = decision
        else:
            event = follow_up(kind, number, window="SZX0103", local_seq=local_seq + 1)
        assert not window.push([event]).rejected
        stored.add(kind)
        [*_, latest] = [c for c in window.pull_all() if c.kind == wire.KIND_CASE_UPDATED]
        if EventKind.CASE_DECIDED in stored:
            expected = str(project_status(decision.payload["status"], stored))
        else:
            expected = None
        assert latest.payload["status"] == expected, kind
    assert expected == "delivered"
